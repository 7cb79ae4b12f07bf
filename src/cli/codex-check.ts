import { findCodexBinary, missingCodexMessage } from '../agents/codex-binary.js';
import { requireUsableCodex } from '../agents/codex-readiness.js';
import { CodexNotReadyError } from '../domain/errors.js';

/** Planning needs a model: say now, in one line, if Codex cannot reach one. */
export async function checkCodexBeforePlanning(project: string): Promise<void> {
  const codex = findCodexBinary(process.env);
  if (!codex.path) throw new CodexNotReadyError(missingCodexMessage(codex), 'then run `mcp doctor`');
  for (const warning of await requireUsableCodex(codex.path, process.env, project)) {
    process.stderr.write(`mcp: warning: codex: ${warning}; planning waits until Codex reaches its model (Ctrl-C stops it)\n`);
  }
}
