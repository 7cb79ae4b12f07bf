/**
 * The typed surface of the app-server protocol that mcp uses, on top of the generated
 * bindings (`protocol/`, codex 0.169.0). The generated `ClientRequest` union gives each
 * method's params but not its result type, so the results of the requests mcp sends are
 * listed here; the answers to every server request are listed too, and checked at compile
 * time to cover the generated `ServerRequest` union exactly, so a Codex upgrade that adds a
 * server request fails the build until someone decides how mcp answers it.
 */
import type { ClientRequest } from './protocol/ClientRequest.js';
import type { InitializeResponse } from './protocol/InitializeResponse.js';
import type { RequestId } from './protocol/RequestId.js';
import type { ServerNotification } from './protocol/ServerNotification.js';
import type { ServerRequest } from './protocol/ServerRequest.js';
import type { ApplyPatchApprovalResponse } from './protocol/ApplyPatchApprovalResponse.js';
import type { ExecCommandApprovalResponse } from './protocol/ExecCommandApprovalResponse.js';
import type { AttestationGenerateResponse } from './protocol/v2/AttestationGenerateResponse.js';
import type { ChatgptAuthTokensRefreshResponse } from './protocol/v2/ChatgptAuthTokensRefreshResponse.js';
import type { CommandExecutionRequestApprovalResponse } from './protocol/v2/CommandExecutionRequestApprovalResponse.js';
import type { DynamicToolCallResponse } from './protocol/v2/DynamicToolCallResponse.js';
import type { FileChangeRequestApprovalResponse } from './protocol/v2/FileChangeRequestApprovalResponse.js';
import type { GetAccountResponse } from './protocol/v2/GetAccountResponse.js';
import type { McpServerElicitationRequestResponse } from './protocol/v2/McpServerElicitationRequestResponse.js';
import type { PermissionsRequestApprovalResponse } from './protocol/v2/PermissionsRequestApprovalResponse.js';
import type { ThreadLoadedListResponse } from './protocol/v2/ThreadLoadedListResponse.js';
import type { ThreadReadResponse } from './protocol/v2/ThreadReadResponse.js';
import type { ThreadResumeResponse } from './protocol/v2/ThreadResumeResponse.js';
import type { ThreadStartResponse } from './protocol/v2/ThreadStartResponse.js';
import type { ThreadUnsubscribeResponse } from './protocol/v2/ThreadUnsubscribeResponse.js';
import type { ToolRequestUserInputResponse } from './protocol/v2/ToolRequestUserInputResponse.js';
import type { TurnInterruptResponse } from './protocol/v2/TurnInterruptResponse.js';
import type { TurnStartResponse } from './protocol/v2/TurnStartResponse.js';
import type { TurnSteerResponse } from './protocol/v2/TurnSteerResponse.js';

export type { RequestId, ServerNotification, ServerRequest };

/** Results of the client requests mcp sends. Add a line here to send another method. */
export interface ClientResults {
  initialize: InitializeResponse;
  'thread/start': ThreadStartResponse;
  'thread/resume': ThreadResumeResponse;
  'thread/read': ThreadReadResponse;
  'thread/loaded/list': ThreadLoadedListResponse;
  'thread/unsubscribe': ThreadUnsubscribeResponse;
  'turn/start': TurnStartResponse;
  'turn/steer': TurnSteerResponse;
  'turn/interrupt': TurnInterruptResponse;
  'account/read': GetAccountResponse;
}

export type ClientMethod = keyof ClientResults;
export type ClientParams<M extends ClientMethod> = Extract<ClientRequest, { method: M }>['params'];

/** What the client answers to each request Codex sends it. */
export interface ServerRequestResults {
  'item/commandExecution/requestApproval': CommandExecutionRequestApprovalResponse;
  'item/fileChange/requestApproval': FileChangeRequestApprovalResponse;
  'item/tool/requestUserInput': ToolRequestUserInputResponse;
  'mcpServer/elicitation/request': McpServerElicitationRequestResponse;
  'item/permissions/requestApproval': PermissionsRequestApprovalResponse;
  'item/tool/call': DynamicToolCallResponse;
  'account/chatgptAuthTokens/refresh': ChatgptAuthTokensRefreshResponse;
  'attestation/generate': AttestationGenerateResponse;
  applyPatchApproval: ApplyPatchApprovalResponse;
  execCommandApproval: ExecCommandApprovalResponse;
}

export type ServerRequestMethod = ServerRequest['method'];
export type ServerRequestParams<M extends ServerRequestMethod> = Extract<ServerRequest, { method: M }>['params'];

// Both directions of `extends` must hold: a method Codex may send with no answer listed, or
// a listed answer for a method Codex no longer sends, is a compile error here.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const serverRequestsCovered: Exactly<keyof ServerRequestResults, ServerRequestMethod> = true;
void serverRequestsCovered;

export type NotificationMethod = ServerNotification['method'];
export type NotificationParams<M extends NotificationMethod> = Extract<ServerNotification, { method: M }>['params'];
