/**
 * The UI's one door to the shell. Wraps the generated `bindings.ts`: every command returns its
 * data or throws an `IpcError {kind, message}`, and events hand their payload to a plain
 * callback. Components and state import from here, never from `bindings.ts`.
 */
import { commands, events } from "./bindings";
import type {
  ConnState,
  ConversationAction,
  ConversationRow,
  ConversationView,
  ErrorKind,
  KeychainStatus,
  ListQuery,
  NotifyFailed,
  NotifySettings,
  SessionInfo,
  TabCounts,
  ThreadMessage,
  UiError,
} from "./bindings";

export type {
  Capabilities,
  ChannelKind,
  Client,
  ConnState,
  ConversationAction,
  ConversationRow,
  ConversationStatus,
  ConversationView,
  Delivery,
  ErrorKind,
  KeychainStatus,
  ListQuery,
  Me,
  MessageKind,
  NotifyFailed,
  NotifySettings,
  OutboxState,
  PendingAction,
  Permissions,
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
  restoreSession: (): Promise<SessionInfo | null> => unwrap(() => commands.restoreSession()),
  keychainStatus: (): Promise<KeychainStatus> => unwrap(() => commands.keychainStatus()),
  signIn: (serverUrl: string, email: string, password: string, remember: boolean) =>
    unwrap<SessionInfo>(() => commands.signIn(serverUrl, email, password, remember)),
  signOut: (): Promise<null> => unwrap(() => commands.signOut()),
  listConversations: (query: ListQuery): Promise<ConversationRow[]> =>
    unwrap(() => commands.listConversations(query)),
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
  notifySettings: (): Promise<NotifySettings> => unwrap(() => commands.notifySettings()),
  setNotifySettings: (s: Pick<NotifySettings, "do_not_disturb" | "sound" | "preview">) =>
    unwrap<NotifySettings>(() => commands.setNotifySettings(s.do_not_disturb, s.sound, s.preview)),
  setConversationMuted: (id: number, muted: boolean): Promise<NotifySettings> =>
    unwrap(() => commands.setConversationMuted(id, muted)),
  setOpenConversation: (id: number | null): Promise<null> =>
    unwrap(() => commands.setOpenConversation(id)),
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
