import { statSync } from 'node:fs';
import path from 'node:path';
import type { McpConfig } from '../config/config.js';
import { UsageError } from '../domain/errors.js';
import { currentPlatformEnv, detectPlatform } from '../paths/platform.js';
import { resolveUserPath, windowsMountWarning } from '../paths/user-path.js';
import { StateRoot } from '../store/state-root.js';

export interface ContextOptions {
  project?: string;
  stateDir?: string;
  config?: string;
}

/** Where a command works: the project, its state root and its config. */
export interface McpContext {
  project: string;
  root: StateRoot;
  /** One line for the user when the project sits somewhere slow (a Windows drive under WSL). */
  warning: string | null;
  platformEnv: ReturnType<typeof currentPlatformEnv>;
  /** Loaded on demand: the config schema (zod) is not needed by read-only commands. */
  loadConfig(): Promise<McpConfig>;
  resolvePath(raw: string): string;
}

export const STATE_DIR_ENV = 'MCP_STATE_DIR';

export function resolveContext(options: ContextOptions, platformEnv = currentPlatformEnv()): McpContext {
  const resolvePath = (raw: string): string => resolveUserPath(raw, platformEnv);
  const project = resolvePath(options.project ?? platformEnv.cwd);
  const stat = statSync(project, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) throw new UsageError(`project ${project} is not a directory`, 'give --project an existing directory');
  const rawState = options.stateDir ?? platformEnv.env[STATE_DIR_ENV];
  const stateDir = rawState ? resolvePath(rawState) : path.join(project, '.mcp');
  const configFile = options.config ? resolvePath(options.config) : undefined;
  return {
    project,
    root: new StateRoot(stateDir),
    warning: windowsMountWarning(project, detectPlatform(platformEnv)),
    platformEnv,
    loadConfig: async () => (await import('../config/config.js')).loadConfig(project, configFile),
    resolvePath,
  };
}
