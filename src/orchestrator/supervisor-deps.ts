import { sensitiveCodexRules } from '../agents/app-server/task-rules.js';
import { findCodexBinary } from '../agents/codex-binary.js';
import { allowListOf, type McpConfig } from '../config/config.js';
import { sensitivePatterns } from '../config/sensitive.js';
import type { StateRoot } from '../store/state-root.js';
import type { TaskStore } from '../store/task-store.js';
import { TerminalManager } from '../terminal/terminal-manager.js';
import type { ExecutorDeps } from './run-controller.js';

/** What a supervisor works with, from the state root, its store and the project's config. */
export function supervisorDeps(root: StateRoot, store: TaskStore, config: McpConfig, env: NodeJS.ProcessEnv = process.env): ExecutorDeps {
  const codex = findCodexBinary(env);
  const allowList = allowListOf(config);
  return {
    root,
    store,
    codex,
    terminals: new TerminalManager({ allowList, codexPath: codex.path }),
    allowList,
    sensitive: sensitivePatterns(config.sensitive),
    codexRules: (workspace) => sensitiveCodexRules(config.sensitive, workspace),
    env,
    killGraceMs: config.killGraceSeconds * 1000,
    approvalRules: config.approvals,
    notify: config.notify ?? null,
  };
}
