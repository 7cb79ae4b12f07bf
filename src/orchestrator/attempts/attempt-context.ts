import type { SensitivePattern } from '../../config/sensitive.js';
import type { CodexBinary } from '../../agents/codex-binary.js';
import type { RunRecord } from '../../store/records.js';
import type { StateRoot } from '../../store/state-root.js';
import type { TerminalManager } from '../../terminal/terminal-manager.js';
import type { RunRepo } from '../../workspace/workspace.js';
import type { RunTasks } from '../transitions.js';
import type { WaitingNotice } from './approval-desk.js';

/** What every attempt of a run works with. */
export interface AttemptContext {
  root: StateRoot;
  run: () => RunRecord;
  repo: RunRepo;
  codex: CodexBinary;
  terminals: TerminalManager;
  /** Commands that need a human (git push, rm -rf, the config's patterns). */
  sensitive: readonly SensitivePattern[];
  /** The execution-policy rules that make Codex ask before the same commands in a prompt task, for its workspace. */
  codexRules: (workspace: string) => string;
  env: NodeJS.ProcessEnv;
  killGraceMs: number;
  taskTimeoutMs: number | undefined;
  idleTimeoutMs: number | undefined;
  tasks: RunTasks;
  /** Rules of mcp.config.json that answer some approvals without a person. */
  approvalRules: { allow: readonly string[]; deny: readonly string[] };
  /** A task starts waiting for a person. */
  onWaiting: (notice: WaitingNotice) => void;
}
