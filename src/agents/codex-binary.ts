import { resolveExecutable } from '../terminal/executable.js';

export const CODEX_BIN_ENV = 'MCP_CODEX_BIN';

export interface CodexBinary {
  /** What the user asked for (MCP_CODEX_BIN or `codex`), for messages. */
  requested: string;
  /** The resolved path, or null when nothing executable is there. */
  path: string | null;
}

/** `MCP_CODEX_BIN`, else `codex` on PATH. */
export function findCodexBinary(env: NodeJS.ProcessEnv = process.env): CodexBinary {
  const requested = env[CODEX_BIN_ENV]?.trim() || 'codex';
  return { requested, path: resolveExecutable(requested, env.PATH ?? '') };
}

export function missingCodexMessage(binary: CodexBinary): string {
  return `codex binary not found: ${JSON.stringify(binary.requested)} (install it with \`npm install -g @openai/codex\` or set ${CODEX_BIN_ENV})`;
}
