/**
 * The UI's one door to the shell. Wraps the generated `bindings.ts`: every command returns its
 * data or throws an `IpcError {kind, message}`, and events hand their payload to a plain
 * callback. Components and state import from here, never from `bindings.ts`.
 */
import { commands, events } from "./bindings";
/** How many rows a list shown afresh reads first (the core's rule; the rest after a paint). */
export { FIRST_PAGE } from "./bindings";
import type {
  ActionLogFilter,
  ActionLogPage,
  ChannelAccount,
  ChannelPatch,
  ChannelSecretShown,
  Group,
  GroupPatch,
  NewChannelRequest,
  NewGroupRequest,
  NewOperatorRequest,
  NewRoleRequest,
  Operator,
  OperatorCreated,
  OperatorPatch,
  Role,
  RolePatch,
  AssignMenu,
  CannedResponse,
  CannedResponseInput,
  ClientNote,
  MessageTags,
  Tag,
  ClientTyping,
  ConnState,
  ConversationAction,
  ConversationView,
  EmailConversationRequest,
  EmailSent,
  EmailWhitelist,
  ErrorKind,
  FilterOptions,
  GroupFilePolicy,
  GroupFiles,
  IframeSettings,
  IpWhitelistSettings,
  IpWhitelistUpdate,
  KeychainStatus,
  PersonalDataSettings,
  ListPage,
  ListQuery,
  LogEntry,
  OutgoingWhatsappRequest,
  NotifyFailed,
  NotifySettings,
  SessionInfo,
  Opened,
  Tab,
  TabCounts,
  ThreadMessage,
  UiError,
  UploadProgress,
  UpdateOffer,
  NewWebhook,
  Webhook,
  WebhookAttemptsPage,
  WebhookPatch,
  WebhookTestQueued,
  WebhookWithSecret,
} from "./bindings";

export type {
  ActionLogFilter,
  ActionLogPage,
  ActionLogRow,
  IframeSettings,
  IpWhitelistSettings,
  IpWhitelistUpdate,
  LogAction,
  PersonalDataSettings,
  LogTarget,
  UpdateOffer,
  Webhook,
  WebhookAttempt,
  WebhookAttemptsPage,
  WebhookWithSecret,
} from "./bindings";
export type {
  ChannelAccount,
  ChannelPatch,
  ChannelSecretShown,
  ChannelSettings,
  Group,
  GroupPatch,
  NewChannelRequest,
  NewGroupRequest,
  NewOperatorRequest,
  NewRoleRequest,
  Operator,
  OperatorCreated,
  OperatorPatch,
  Role,
  RolePatch,
  LogEntry,
  GroupFilePolicy,
  GroupFiles,
  EmailConversationRequest,
  EmailSent,
  EmailWhitelist,
  AssignMenu,
  CannedResponse,
  CannedResponseInput,
  ClientNote,
  MessageTags,
  Tag,
  AttachmentRef,
  UploadProgress,
  UploadState,
  Capabilities,
  Choice,
  FilterOptions,
  OutgoingWhatsappRequest,
  PinDisplay,
  ChannelKind,
  Client,
  ClientTyping,
  ConnState,
  ConversationAction,
  ConversationRow,
  ConversationStatus,
  ConversationView,
  Delivery,
  ErrorKind,
  KeychainStatus,
  ListPage,
  ListQuery,
  Me,
  MessageKind,
  NotifyFailed,
  NotifySettings,
  OutboxState,
  PendingAction,
  Permissions,
  FirstScreen,
  Opened,
  SessionInfo,
  Tab,
  TabCounts,
  ThreadMessage,
} from "./bindings";

/** A failed command, with the core's error class and a sentence for the operator. */
export class IpcError extends Error {
  readonly kind: ErrorKind;

  constructor(kind: ErrorKind, message: string) {
    super(message);
    this.name = "IpcError";
    this.kind = kind;
  }
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: UiError };

function isUiError(e: unknown): e is UiError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as UiError).kind === "string" &&
    typeof (e as UiError).message === "string"
  );
}

/** Turns anything a call threw into an `IpcError` (the IPC bridge itself can fail too). */
export function toIpcError(e: unknown): IpcError {
  if (e instanceof IpcError) return e;
  if (isUiError(e)) return new IpcError(e.kind, e.message);
  const message = e instanceof Error ? e.message : String(e);
  return new IpcError("server", message || "Something went wrong inside the app.");
}

async function unwrap<T>(call: () => Promise<Result<T>>): Promise<T> {
  let result: Result<T>;
  try {
    result = await call();
  } catch (e) {
    throw toIpcError(e);
  }
  if (result.status === "ok") return result.data;
  throw toIpcError(result.error);
}

export const api = {
  /** The session the shell began opening at process start, with its first screen. `asked`: the
   * same command as `index.html` invoked it, before this code had loaded (budget 6); its
   * answer, or its error, is taken as the command's own. */
  restoreSession: (asked?: Promise<unknown>): Promise<Opened | null> =>
    unwrap(async (): Promise<Result<Opened | null>> =>
      asked ? { status: "ok", data: (await asked) as Opened | null } : commands.restoreSession(),
    ),
  keychainStatus: (): Promise<KeychainStatus> => unwrap(() => commands.keychainStatus()),
  signIn: (serverUrl: string, email: string, password: string, remember: boolean) =>
    unwrap<Opened>(() => commands.signIn(serverUrl, email, password, remember)),
  signOut: (): Promise<null> => unwrap(() => commands.signOut()),
  /** The next start lands on `tab`. */
  rememberTab: (tab: Tab): Promise<null> => unwrap(() => commands.rememberTab(tab)),
  /** The list's first `limit` rows (all of them with null) and its length. */
  listConversations: (query: ListQuery, limit: number | null = null): Promise<ListPage> =>
    unwrap(() => commands.listConversations(query, limit)),
  tabCounts: (): Promise<TabCounts> => unwrap(() => commands.tabCounts()),
  openConversation: (id: number): Promise<ConversationView> =>
    unwrap(() => commands.openConversation(id)),
  olderMessages: (id: number, beforeId: number): Promise<ThreadMessage[]> =>
    unwrap(() => commands.olderMessages(id, beforeId)),
  sendMessage: (conversationId: number, text: string, note: boolean): Promise<ThreadMessage> =>
    unwrap(() => commands.sendMessage(conversationId, text, note)),
  conversationAction: (conversationId: number, action: ConversationAction): Promise<null> =>
    unwrap(() => commands.conversationAction(conversationId, action)),
  connState: (): Promise<ConnState> => unwrap(() => commands.connState()),
  defaultServerUrl: (): Promise<string> => unwrap(() => commands.defaultServerUrl()),
  retryOutboxItem: (id: string): Promise<null> => unwrap(() => commands.retryOutboxItem(id)),
  discardOutboxItem: (id: string): Promise<null> => unwrap(() => commands.discardOutboxItem(id)),
  deskNotices: (): Promise<string[]> => unwrap(() => commands.deskNotices()).then((ns) => ns.map((n) => n.message)),
  assignMenu: (conversationId: number): Promise<AssignMenu> => unwrap(() => commands.assignMenu(conversationId)),
  filterOptions: (): Promise<FilterOptions> => unwrap(() => commands.filterOptions()),
  pinClient: (conversationId: number, pin: boolean): Promise<null> =>
    unwrap(() => commands.pinClient(conversationId, pin)),
  blacklistClient: (conversationId: number, blacklisted: boolean): Promise<null> =>
    unwrap(() => commands.blacklistClient(conversationId, blacklisted)),
  outgoingWhatsapp: (request: OutgoingWhatsappRequest): Promise<number> =>
    unwrap(() => commands.outgoingWhatsapp(request)),
  cannedResponses: (): Promise<CannedResponse[]> => unwrap(() => commands.cannedResponses()),
  addCannedResponse: (input: CannedResponseInput): Promise<CannedResponse> =>
    unwrap(() => commands.addCannedResponse(input)),
  editCannedResponse: (id: number, input: CannedResponseInput): Promise<CannedResponse> =>
    unwrap(() => commands.editCannedResponse(id, input)),
  deleteCannedResponse: (id: number): Promise<null> => unwrap(() => commands.deleteCannedResponse(id)),
  clientNotes: (clientId: number): Promise<ClientNote[]> => unwrap(() => commands.clientNotes(clientId)),
  refreshClientNotes: (clientId: number): Promise<ClientNote[]> =>
    unwrap(() => commands.refreshClientNotes(clientId)),
  addClientNote: (clientId: number, text: string): Promise<ClientNote> =>
    unwrap(() => commands.addClientNote(clientId, text)),
  renameClient: (clientId: number, name: string): Promise<null> =>
    unwrap(() => commands.renameClient(clientId, name)),
  tags: (): Promise<Tag[]> => unwrap(() => commands.tags()),
  messageTags: (conversationId: number): Promise<MessageTags[]> =>
    unwrap(() => commands.messageTags(conversationId)),
  tagMessages: (messageIds: number[], tag: string): Promise<null> =>
    unwrap(() => commands.tagMessages(messageIds, tag)),
  retryDelivery: (messageId: number): Promise<null> => unwrap(() => commands.retryDelivery(messageId)),
  pickFile: (): Promise<string | null> => unwrap(() => commands.pickFile()),
  attachFile: (conversationId: number, path: string): Promise<string> =>
    unwrap(() => commands.attachFile(conversationId, path)),
  cancelUpload: (uploadId: string): Promise<null> => unwrap(() => commands.cancelUpload(uploadId)),
  openAttachment: (id: number): Promise<string> => unwrap(() => commands.openAttachment(id)),
  attachmentPreview: (id: number, contentType: string): Promise<string> =>
    unwrap(() => commands.attachmentPreview(id, contentType)),
  notifySettings: (): Promise<NotifySettings> => unwrap(() => commands.notifySettings()),
  setNotifySettings: (s: Pick<NotifySettings, "do_not_disturb" | "sound" | "preview">) =>
    unwrap<NotifySettings>(() => commands.setNotifySettings(s.do_not_disturb, s.sound, s.preview)),
  autostartEnabled: (): Promise<boolean> => unwrap(() => commands.autostartEnabled()),
  setAutostart: (enabled: boolean): Promise<boolean> => unwrap(() => commands.setAutostart(enabled)),
  uiReady: (rows: number): Promise<null> => unwrap(() => commands.uiReady(rows)),
  setConversationMuted: (id: number, muted: boolean): Promise<NotifySettings> =>
    unwrap(() => commands.setConversationMuted(id, muted)),
  setOpenConversation: (id: number | null): Promise<null> =>
    unwrap(() => commands.setOpenConversation(id)),
  conversationLog: (conversationId: number): Promise<LogEntry[]> =>
    unwrap(() => commands.conversationLog(conversationId)),
  emailConversation: (conversationId: number, request: EmailConversationRequest): Promise<EmailSent> =>
    unwrap(() => commands.emailConversation(conversationId, request)),
  emailWhitelist: (): Promise<EmailWhitelist> => unwrap(() => commands.emailWhitelist()),
  setEmailWhitelist: (whitelist: EmailWhitelist): Promise<EmailWhitelist> =>
    unwrap(() => commands.setEmailWhitelist(whitelist)),
  groupFiles: (): Promise<GroupFiles[]> => unwrap(() => commands.groupFiles()),
  setGroupFiles: (groupId: number, policy: GroupFilePolicy): Promise<GroupFilePolicy> =>
    unwrap(() => commands.setGroupFiles(groupId, policy)),
  setTyping: (conversationId: number, typing: boolean): Promise<null> =>
    unwrap(() => commands.setTyping(conversationId, typing)),
  actionLog: (filter: ActionLogFilter, cursor: string | null): Promise<ActionLogPage> =>
    unwrap(() => commands.actionLog(filter, cursor)),
  /** Asks where to save, then writes the CSV; the path, or null when cancelled. */
  exportActionLog: (filter: ActionLogFilter): Promise<string | null> =>
    unwrap(() => commands.exportActionLog(filter)),
  ipWhitelist: (): Promise<IpWhitelistSettings> => unwrap(() => commands.ipWhitelist()),
  setIpWhitelist: (update: IpWhitelistUpdate): Promise<IpWhitelistSettings> =>
    unwrap(() => commands.setIpWhitelist(update)),
  checkUpdate: (): Promise<UpdateOffer | null> => unwrap(() => commands.checkUpdate()),
  installUpdate: (): Promise<void> => unwrap(() => commands.installUpdate()).then(() => undefined),
  personalData: (): Promise<PersonalDataSettings> => unwrap(() => commands.personalData()),
  setPersonalData: (settings: PersonalDataSettings): Promise<PersonalDataSettings> =>
    unwrap(() => commands.setPersonalData(settings)),
  iframeSettings: (): Promise<IframeSettings> => unwrap(() => commands.iframeSettings()),
  setIframeSettings: (settings: IframeSettings): Promise<IframeSettings> =>
    unwrap(() => commands.setIframeSettings(settings)),
  webhooks: (): Promise<Webhook[]> => unwrap(() => commands.webhooks()),
  createWebhook: (webhook: NewWebhook): Promise<WebhookWithSecret> =>
    unwrap(() => commands.createWebhook(webhook)),
  updateWebhook: (id: number, patch: WebhookPatch): Promise<Webhook> =>
    unwrap(() => commands.updateWebhook(id, patch)),
  deleteWebhook: (id: number): Promise<null> => unwrap(() => commands.deleteWebhook(id)),
  rotateWebhookSecret: (id: number): Promise<WebhookWithSecret> =>
    unwrap(() => commands.rotateWebhookSecret(id)),
  webhookDeliveries: (id: number, before: number | null = null): Promise<WebhookAttemptsPage> =>
    unwrap(() => commands.webhookDeliveries(id, before)),
  testWebhook: (id: number): Promise<WebhookTestQueued> => unwrap(() => commands.testWebhook(id)),
};

/** The Administration area and "Change password": the server decides every rule; its
 * refusals arrive as `IpcError` with its sentence. */
export const adminApi = {
  operators: (): Promise<Operator[]> => unwrap(() => commands.adminOperators()),
  createOperator: (req: NewOperatorRequest): Promise<OperatorCreated> =>
    unwrap(() => commands.adminCreateOperator(req)),
  updateOperator: (id: number, patch: OperatorPatch): Promise<Operator> =>
    unwrap(() => commands.adminUpdateOperator(id, patch)),
  resetPassword: (id: number): Promise<OperatorCreated> => unwrap(() => commands.adminResetPassword(id)),
  groups: (): Promise<Group[]> => unwrap(() => commands.adminGroups()),
  createGroup: (req: NewGroupRequest): Promise<Group> => unwrap(() => commands.adminCreateGroup(req)),
  updateGroup: (id: number, patch: GroupPatch): Promise<Group> =>
    unwrap(() => commands.adminUpdateGroup(id, patch)),
  deleteGroup: (id: number, moveTo: number | null): Promise<null> =>
    unwrap(() => commands.adminDeleteGroup(id, moveTo)),
  roles: (): Promise<Role[]> => unwrap(() => commands.adminRoles()),
  createRole: (req: NewRoleRequest): Promise<Role> => unwrap(() => commands.adminCreateRole(req)),
  updateRole: (id: number, patch: RolePatch): Promise<Role> => unwrap(() => commands.adminUpdateRole(id, patch)),
  deleteRole: (id: number): Promise<null> => unwrap(() => commands.adminDeleteRole(id)),
  channels: (): Promise<ChannelAccount[]> => unwrap(() => commands.adminChannels()),
  createChannel: (req: NewChannelRequest): Promise<ChannelSecretShown> =>
    unwrap(() => commands.adminCreateChannel(req)),
  updateChannel: (id: number, patch: ChannelPatch): Promise<ChannelAccount> =>
    unwrap(() => commands.adminUpdateChannel(id, patch)),
  /** Refused with the server's sentence while the channel has conversations. */
  deleteChannel: (id: number): Promise<null> => unwrap(() => commands.adminDeleteChannel(id)),
  rotateChannelSecret: (id: number): Promise<ChannelSecretShown> =>
    unwrap(() => commands.adminRotateChannelSecret(id)),
  changePassword: (current: string, next: string): Promise<null> =>
    unwrap(() => commands.changePassword(current, next)),
};

export type Unlisten = () => void;

/** Backend events; each resolves to a function that stops listening. */
export const on = {
  conversationsChanged: (cb: (ids: number[]) => void): Promise<Unlisten> =>
    events.conversationsChanged.listen((e) => cb(e.payload.ids)),
  connStateChanged: (cb: (state: ConnState) => void): Promise<Unlisten> =>
    events.connStateChanged.listen((e) => cb(e.payload.state)),
  signedOut: (cb: (reason: string) => void): Promise<Unlisten> =>
    events.signedOut.listen((e) => cb(e.payload.reason)),
  sessionChanged: (cb: (info: SessionInfo) => void): Promise<Unlisten> =>
    events.sessionChanged.listen((e) => cb(e.payload.info)),
  noticeRaised: (cb: (message: string) => void): Promise<Unlisten> =>
    events.noticeRaised.listen((e) => cb(e.payload.notice.message)),
  uploadProgressChanged: (cb: (progress: UploadProgress) => void): Promise<Unlisten> =>
    events.uploadProgressChanged.listen((e) => cb(e.payload.progress)),
  clientTypingChanged: (cb: (typing: ClientTyping) => void): Promise<Unlisten> =>
    events.clientTypingChanged.listen((e) => cb(e.payload.typing)),
  openConversation: (cb: (id: number) => void): Promise<Unlisten> =>
    events.openConversation.listen((e) => cb(e.payload.id)),
  notifyFailed: (cb: (n: NotifyFailed) => void): Promise<Unlisten> =>
    events.notifyFailed.listen((e) => cb(e.payload)),
  notifySettingsChanged: (cb: (s: NotifySettings) => void): Promise<Unlisten> =>
    events.notifySettingsChanged.listen((e) => cb(e.payload.settings)),
  signOutRequested: (cb: () => void): Promise<Unlisten> =>
    events.signOutRequested.listen(() => cb()),
};

/** Starts several listeners and returns one function that stops them all, even if called
 * before they finished registering. */
export function listenAll(starts: Promise<Unlisten>[]): Unlisten {
  let stopped = false;
  const stops: Unlisten[] = [];
  for (const start of starts) {
    start.then(
      (stop) => (stopped ? stop() : stops.push(stop)),
      () => {
        // No event bridge (e.g. a component test): nothing to stop.
      },
    );
  }
  return () => {
    stopped = true;
    for (const stop of stops.splice(0)) stop();
  };
}
