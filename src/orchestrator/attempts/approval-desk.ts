import { matchApprovalRule } from '../../config/approval-rules.js';
import type { ApprovalDecision, ApprovalKind, Decider, TaskEvent } from '../../domain/events.js';
import type { TaskRecord } from '../../store/records.js';
import type { RunTasks } from '../transitions.js';

/** A question for a person, as an attempt puts it to the desk. */
export interface ApprovalQuestion {
  kind: ApprovalKind;
  /** The command, for a command approval. */
  command?: string;
  /** The files, for a file change. */
  files?: string[];
  cwd?: string | null;
  reason: string | null;
  /** Delivers the answer to whoever asked (Codex); false when it is too late. */
  deliver(decision: ApprovalDecision): boolean;
  /** Decisions the asker takes (an MCP elicitation cannot be accepted, for one). */
  decisions?: readonly ApprovalDecision[];
}

export interface ApprovalOutcome {
  decision: ApprovalDecision;
  by: Decider;
}

/** A task starts waiting for a person: the live view rings, the `notify` hook runs. */
export interface WaitingNotice {
  task: TaskRecord;
  kind: 'approval' | 'input';
  approvalId?: number;
  command?: string;
  reason: string | null;
  /** What the person types to answer. */
  answer: string;
}

export interface ApprovalDeskDeps {
  tasks: RunTasks;
  task: () => TaskRecord;
  event: (event: TaskEvent) => void;
  rules: { allow: readonly string[]; deny: readonly string[] };
  onWaiting: (notice: WaitingNotice) => void;
  /** While a person is asked, the process is not idle. */
  pauseIdle: () => void;
  resumeIdle: () => void;
}

interface Pending {
  id: number;
  question: ApprovalQuestion;
  settle: (outcome: ApprovalOutcome | null) => void;
}

export type DecideResult = { ok: true; id: number; command: string } | { ok: false; error: string; code: 'not_waiting' | 'no_such_approval' | 'not_offered' | 'too_late' };

/**
 * One task's approvals: numbers each question, answers by a rule of mcp.config.json when
 * one matches (deny first), otherwise puts the task in `waiting_approval` until a person
 * answers through `mcp approve` (or the Codex TUI, or the web page). Every question and
 * every decision is an event, with who or which rule decided. mcp never answers by itself.
 */
export class ApprovalDesk {
  private count = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly deps: ApprovalDeskDeps) {}

  /**
   * Asks; resolves with the decision, or null when the question went away unanswered (the
   * attempt ended, or Codex withdrew it).
   */
  ask(question: ApprovalQuestion): { id: number; outcome: Promise<ApprovalOutcome | null> } {
    const id = (this.count += 1);
    const { task, event } = this.deps;
    event({
      type: 'approval.requested',
      id,
      kind: question.kind,
      ...(question.command !== undefined ? { command: question.command } : {}),
      ...(question.files ? { files: question.files } : {}),
      ...(question.cwd ? { cwd: question.cwd } : {}),
      reason: question.reason,
    });
    const rule = question.command !== undefined ? matchApprovalRule(question.command, this.deps.rules) : null;
    if (rule) {
      const decision: ApprovalDecision = rule.list === 'allow' ? 'accept' : 'decline';
      const by: Decider = { kind: 'rule', rule: rule.rule, list: rule.list };
      if (question.deliver(decision)) {
        this.record(id, question, decision, by);
        return { id, outcome: Promise.resolve({ decision, by }) };
      }
    }
    const outcome = new Promise<ApprovalOutcome | null>((resolve) => this.pending.set(id, { id, question, settle: resolve }));
    if (this.pending.size === 1) {
      this.deps.pauseIdle();
      const key = task().key;
      const what = question.command !== undefined ? `$ ${question.command}` : question.files?.join(', ') ?? question.kind;
      this.deps.tasks.transition(task(), 'waiting_approval', { reason: `approval ${id}: ${what} — mcp approve ${key}${id > 1 ? ` ${id}` : ''} [--deny]` });
      this.deps.onWaiting({ task: this.deps.task(), kind: 'approval', approvalId: id, ...(question.command !== undefined ? { command: question.command } : {}), reason: question.reason, answer: `mcp approve ${key} ${id} [--session | --deny]` });
    }
    return { id, outcome };
  }

  /** A person's answer. `id` may be left out when one question is open. */
  decide(id: number | undefined, decision: ApprovalDecision, by: Decider): DecideResult {
    if (this.pending.size === 0) return { ok: false, error: `task ${this.deps.task().id} is not waiting for an approval`, code: 'not_waiting' };
    const entry = id === undefined ? (this.pending.size === 1 ? [...this.pending.values()][0] : undefined) : this.pending.get(id);
    if (!entry) {
      const open = [...this.pending.keys()].join(', ');
      return id === undefined
        ? { ok: false, error: `several approvals are open (${open}): say which`, code: 'no_such_approval' }
        : { ok: false, error: `approval ${id} is not open (open: ${open})`, code: 'no_such_approval' };
    }
    if (entry.question.decisions && !entry.question.decisions.includes(decision)) {
      return { ok: false, error: `approval ${entry.id} takes ${entry.question.decisions.join(' or ')}, not ${decision}`, code: 'not_offered' };
    }
    if (!entry.question.deliver(decision)) {
      this.withdraw(entry.id, 'answered elsewhere first');
      return { ok: false, error: `approval ${entry.id} was already answered elsewhere or withdrawn`, code: 'too_late' };
    }
    this.close(entry, decision, by);
    return { ok: true, id: entry.id, command: entry.question.command ?? entry.question.files?.join(', ') ?? entry.question.kind };
  }

  /** Answered somewhere mcp did not see (the Codex TUI): recorded with what is known. */
  answeredElsewhere(id: number, decision: ApprovalDecision, by: Decider): void {
    const entry = this.pending.get(id);
    if (entry) this.close(entry, decision, by);
  }

  /**
   * The question went away unanswered, and the event log says so and why. Codex no longer
   * asks: the task goes on running. `ending`: the attempt itself ends (a kill, a timeout, the
   * turn's end), and its outcome, not a step back to `running`, is the task's next state.
   */
  withdraw(id: number, reason: string, ending = false): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    this.deps.event({ type: 'approval.withdrawn', id, reason });
    entry.settle(null);
    if (!ending) this.leaveWaiting();
  }

  /** The attempt ends: every open question is withdrawn with `reason`. */
  withdrawAll(reason: string): void {
    for (const id of [...this.pending.keys()]) this.withdraw(id, reason, true);
  }

  private close(entry: Pending, decision: ApprovalDecision, by: Decider): void {
    this.pending.delete(entry.id);
    this.record(entry.id, entry.question, decision, by);
    entry.settle({ decision, by });
    this.leaveWaiting();
  }

  private record(id: number, question: ApprovalQuestion, decision: ApprovalDecision, by: Decider): void {
    this.deps.event({ type: 'approval.decided', id, decision, ...(question.command !== undefined ? { command: question.command } : {}), by, at: new Date().toISOString() });
  }

  private leaveWaiting(): void {
    if (this.pending.size > 0) return;
    const task = this.deps.task();
    if (task.status !== 'waiting_approval') return;
    this.deps.tasks.transition(task, 'running', { reason: null });
    this.deps.resumeIdle();
  }
}
