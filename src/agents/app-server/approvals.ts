import type { AppServerClient, ServerRequestHandle } from './client.js';
import { askedCommand } from './events.js';
import type { RequestId } from './methods.js';
import type { CommandExecutionApprovalDecision } from './protocol/v2/CommandExecutionApprovalDecision.js';
import type { FileChangeApprovalDecision } from './protocol/v2/FileChangeApprovalDecision.js';
import type { FileUpdateChange } from './protocol/v2/FileUpdateChange.js';

/**
 * Codex's questions for a person (approvals), in mcp's terms: what `mcp approve` lists, and
 * how its answer becomes the protocol's. Shapes and behaviours seen with codex 0.169.0 are in
 * docs/codex-app-server.md.
 */

/**
 * - approve: this once. approveForSession: this and the same again in this thread (Codex
 *   then runs an identical escalated command without asking).
 * - deny: refuse; Codex tells the model ("rejected by user") and the turn goes on.
 * - abort: refuse and end the turn (`turn/completed` with status `interrupted`).
 */
export type ApprovalAnswer = 'approve' | 'approveForSession' | 'deny' | 'abort';

export type ApprovalKind = 'command' | 'fileChange' | 'permissions' | 'mcpElicitation' | 'userInput';

export interface ApprovalView {
  requestId: RequestId;
  kind: ApprovalKind;
  threadId: string;
  turnId: string | null;
  itemId: string | null;
  /** One line for a person: the command, the files, the permissions asked for. */
  summary: string;
  reason: string | null;
  cwd: string | null;
  answers: ApprovalAnswer[];
}

const ALL_ANSWERS: ApprovalAnswer[] = ['approve', 'approveForSession', 'deny', 'abort'];

/**
 * Seen with 0.169.0: Codex takes `decline` and `acceptForSession` even when the request's
 * (experimental) `availableDecisions` lists only accept, an exec-policy amendment, and cancel.
 * The amendment ("don't ask again for commands that start with ...") is never sent: it
 * writes a rule into the user's CODEX_HOME.
 */
const DECISIONS = { approve: 'accept', approveForSession: 'acceptForSession', deny: 'decline', abort: 'cancel' } as const satisfies Record<
  ApprovalAnswer,
  CommandExecutionApprovalDecision & FileChangeApprovalDecision
>;

function describeChanges(changes: FileUpdateChange[] | undefined): string {
  if (!changes || changes.length === 0) return 'edit files';
  const verb = { add: 'add', delete: 'delete', update: 'update' } as const;
  return changes.map((c) => `${verb[c.kind.type]} ${c.path}`).join(', ');
}

/**
 * What a server request asks a person, or null for the requests that are not questions for a
 * person (see `refuseMachineRequest`). A file change request does not carry the files: they
 * came in the `item/started` of the same item, hence `fileChanges` (see `trackFileChanges`).
 */
export function describeApproval(handle: ServerRequestHandle, fileChanges?: (itemId: string) => FileUpdateChange[] | undefined): ApprovalView | null {
  switch (handle.method) {
    case 'item/commandExecution/requestApproval': {
      const p = handle.params;
      const summary = askedCommand(p.commandActions, p.command) || (p.networkApprovalContext ? `network access to ${p.networkApprovalContext.host}` : `(${p.kind})`);
      return { requestId: handle.id, kind: 'command', threadId: p.threadId, turnId: p.turnId, itemId: p.itemId, summary, reason: p.reason ?? null, cwd: p.cwd ?? null, answers: ALL_ANSWERS };
    }
    case 'item/fileChange/requestApproval': {
      const p = handle.params;
      return { requestId: handle.id, kind: 'fileChange', threadId: p.threadId, turnId: p.turnId, itemId: p.itemId, summary: describeChanges(fileChanges?.(p.itemId)), reason: p.reason ?? null, cwd: null, answers: ALL_ANSWERS };
    }
    case 'item/permissions/requestApproval': {
      const p = handle.params;
      const asked = [
        p.permissions.network?.enabled ? 'network access' : null,
        p.permissions.fileSystem?.write?.length ? `write to ${p.permissions.fileSystem.write.join(', ')}` : null,
        p.permissions.fileSystem?.read?.length ? `read ${p.permissions.fileSystem.read.join(', ')}` : null,
      ].filter((s): s is string => s !== null);
      return { requestId: handle.id, kind: 'permissions', threadId: p.threadId, turnId: p.turnId, itemId: p.itemId, summary: asked.join('; ') || 'more permissions', reason: p.reason, cwd: p.cwd, answers: ALL_ANSWERS };
    }
    case 'mcpServer/elicitation/request': {
      const p = handle.params;
      // Accepting needs content that fits the server's form; mcp only refuses.
      return { requestId: handle.id, kind: 'mcpElicitation', threadId: p.threadId, turnId: p.turnId, itemId: null, summary: `${p.serverName}: ${p.message}`, reason: null, cwd: null, answers: ['deny', 'abort'] };
    }
    case 'item/tool/requestUserInput': {
      const p = handle.params;
      // Seen with 0.169.0: Codex refuses this tool outside Plan mode, which mcp does not use.
      return { requestId: handle.id, kind: 'userInput', threadId: p.threadId, turnId: p.turnId, itemId: p.itemId, summary: p.questions.map((q) => q.question).join(' / '), reason: null, cwd: null, answers: ['deny'] };
    }
    case 'applyPatchApproval':
    case 'execCommandApproval':
    case 'item/tool/call':
    case 'account/chatgptAuthTokens/refresh':
    case 'attestation/generate':
      return null;
  }
}

/**
 * Sends a person's answer. False when the answer does not apply to this request, or when it
 * is too late (another client, e.g. the TUI, answered first, or the turn ended).
 */
export function answerApproval(handle: ServerRequestHandle, answer: ApprovalAnswer): boolean {
  switch (handle.method) {
    case 'item/commandExecution/requestApproval':
      return handle.respond({ decision: DECISIONS[answer] });
    case 'item/fileChange/requestApproval':
      return handle.respond({ decision: DECISIONS[answer] });
    case 'item/permissions/requestApproval': {
      // Only the granted subset counts; an empty grant is a refusal.
      const granted = answer === 'approve' || answer === 'approveForSession';
      const asked = handle.params.permissions;
      return handle.respond({
        permissions: granted ? { ...(asked.network ? { network: asked.network } : {}), ...(asked.fileSystem ? { fileSystem: asked.fileSystem } : {}) } : {},
        scope: answer === 'approveForSession' ? 'session' : 'turn',
      });
    }
    case 'mcpServer/elicitation/request':
      if (answer !== 'deny' && answer !== 'abort') return false;
      return handle.respond({ action: answer === 'deny' ? 'decline' : 'cancel', content: null, _meta: null });
    case 'item/tool/requestUserInput':
      if (answer !== 'deny') return false;
      return handle.respond({ answers: {} });
    default:
      return false;
  }
}

/**
 * Requests that mcp never puts to a person get a JSON-RPC error at once, so the turn goes on:
 * dynamic tools (mcp registers none), ChatGPT token refresh and attestation (mcp never handles
 * credentials), and the v1 approval methods (only sent for v1 conversations, which mcp does
 * not start). Seen with 0.169.0: an error answer to an approval is taken as a refusal
 * ("approval request failed").
 */
export function refuseMachineRequest(handle: ServerRequestHandle): boolean {
  return describeApproval(handle) === null ? handle.fail(`mcp does not answer ${handle.method}`) : false;
}

/**
 * Remembers the files of each `fileChange` item from its `item/started`, for describing the
 * approval request of that item. Returns the lookup and the unsubscribe function.
 */
export function trackFileChanges(client: AppServerClient): { lookup(itemId: string): FileUpdateChange[] | undefined; stop(): void } {
  const changes = new Map<string, FileUpdateChange[]>();
  const offStarted = client.on('item/started', (params) => {
    if (params.item.type === 'fileChange') changes.set(params.item.id, params.item.changes);
  });
  const offCompleted = client.on('item/completed', (params) => {
    changes.delete(params.item.id);
  });
  return {
    lookup: (itemId) => changes.get(itemId),
    stop: () => {
      offStarted();
      offCompleted();
    },
  };
}
