/**
 * A stand-in for `lib/bindings.ts` in component tests:
 *   vi.mock("<path>/bindings", () => import("<path>/test/fake-bindings"));
 * Every command is a `vi.fn` answering a `Result`; `fire()` delivers a backend event.
 */
import { vi } from "vitest";
import type { ErrorKind } from "../lib/ipc";

type Result = { status: "ok"; data: unknown } | { status: "error"; error: { kind: ErrorKind; message: string } };

// The real constants: they are the shell's rules, not something to stand in for.
export const { FIRST_PAGE } = await vi.importActual<typeof import("../lib/bindings")>("../lib/bindings");

export const ok = (data: unknown): Promise<Result> => Promise.resolve({ status: "ok", data });
/** What `listConversations` answers for a list of `rows`: its first `limit` rows and its
 * length, as the shell does. */
export const listed = (rows: unknown[], limit: number | null = null): Promise<Result> =>
  ok({ rows: limit === null ? rows : rows.slice(0, limit), total: rows.length, matching: rows.length });
export const fail = (kind: ErrorKind, message: string): Promise<Result> =>
  Promise.resolve({ status: "error", error: { kind, message } });

const defaults = {
  restoreSession: () => ok(null),
  keychainStatus: () => ok({ available: true, detail: "Secret Service" }),
  signIn: () => fail("server", "not mocked"),
  signOut: () => ok(null),
  rememberTab: () => ok(null),
  listConversations: () => listed([]),
  tabCounts: () => ok({ unassigned: 0, inbox: 0, inbox_unread: 0, closed: 0, unread_total: 0 }),
  openConversation: () => fail("not_found", "not mocked"),
  olderMessages: () => ok([]),
  sendMessage: () => fail("server", "not mocked"),
  conversationAction: () => ok(null),
  connState: () => ok({ state: "online" }),
  defaultServerUrl: () => ok("https://desk.example.com"),
  retryOutboxItem: () => ok(null),
  discardOutboxItem: () => ok(null),
  deskNotices: () => ok([]),
  assignMenu: () => fail("not_found", "not mocked"),
  filterOptions: () => ok({ groups: [], operators: [] }),
  pinClient: () => ok(null),
  blacklistClient: () => ok(null),
  outgoingWhatsapp: () => fail("server", "not mocked"),
  cannedResponses: () => ok([]),
  addCannedResponse: () => fail("server", "not mocked"),
  editCannedResponse: () => fail("server", "not mocked"),
  deleteCannedResponse: () => ok(null),
  clientNotes: () => ok([]),
  refreshClientNotes: () => ok([]),
  addClientNote: () => fail("server", "not mocked"),
  renameClient: () => ok(null),
  tags: () => ok([]),
  messageTags: () => ok([]),
  tagMessages: () => ok(null),
  retryDelivery: () => ok(null),
  pickFile: () => ok(null),
  attachFile: () => fail("server", "not mocked"),
  cancelUpload: () => ok(null),
  openAttachment: () => fail("server", "not mocked"),
  attachmentPreview: () => fail("server", "not mocked"),
  notifySettings: () => ok({ do_not_disturb: false, sound: true, preview: true, muted: [] }),
  setNotifySettings: (do_not_disturb: boolean, sound: boolean, preview: boolean) =>
    ok({ do_not_disturb, sound, preview, muted: [] }),
  setConversationMuted: (id: number, muted: boolean) =>
    ok({ do_not_disturb: false, sound: true, preview: true, muted: muted ? [id] : [] }),
  setOpenConversation: () => ok(null),
  uiReady: () => ok(null),
  autostartEnabled: () => ok(false),
  setAutostart: (enabled: boolean) => ok(enabled),
  conversationLog: () => ok([]),
  emailConversation: () => fail("server", "not mocked"),
  emailWhitelist: () => ok({ restrict: false, addresses: [] }),
  setEmailWhitelist: (w: unknown) => ok(w),
  groupFiles: () => ok([]),
  setGroupFiles: (_id: number, policy: unknown) => ok(policy),
  setTyping: () => ok(null),
  actionLog: () => ok({ rows: [], next_cursor: null }),
  exportActionLog: () => ok(null),
  ipWhitelist: () => ok({ enabled: false, entries: [], your_address: "127.0.0.1" }),
  iframeSettings: () => ok({ enabled: false, origins: [], link_minutes: 60 }),
  setIframeSettings: () => fail("server", "not mocked"),
  setIpWhitelist: (u: { enabled: boolean; entries?: string[] }) =>
    ok({ enabled: u.enabled, entries: u.entries ?? [], your_address: "127.0.0.1" }),
  personalData: () => ok({ enabled: false, hide_avatars: false, exempt_group_ids: [] }),
  checkUpdate: () => ok(null),
  installUpdate: () => ok(null),
  setPersonalData: (s: unknown) => ok(s),
  webhooks: () => ok([]),
  createWebhook: () => fail("server", "not mocked"),
  updateWebhook: () => fail("server", "not mocked"),
  deleteWebhook: () => ok(null),
  rotateWebhookSecret: () => fail("server", "not mocked"),
  webhookDeliveries: () => ok({ items: [], next_before: null }),
  testWebhook: () => ok({ event_id: "evt_test" }),
  adminOperators: () => ok([]),
  adminCreateOperator: () => fail("server", "not mocked"),
  adminUpdateOperator: () => fail("server", "not mocked"),
  adminResetPassword: () => fail("server", "not mocked"),
  adminGroups: () => ok([]),
  adminCreateGroup: () => fail("server", "not mocked"),
  adminUpdateGroup: () => fail("server", "not mocked"),
  adminDeleteGroup: () => ok(null),
  adminRoles: () => ok([]),
  adminCreateRole: () => fail("server", "not mocked"),
  adminUpdateRole: () => fail("server", "not mocked"),
  adminDeleteRole: () => ok(null),
  adminChannels: () => ok([]),
  adminCreateChannel: () => fail("server", "not mocked"),
  adminUpdateChannel: () => fail("server", "not mocked"),
  adminRotateChannelSecret: () => fail("server", "not mocked"),
  adminDeleteChannel: () => fail("server", "not mocked"),
  changePassword: () => ok(null),
};

type Commands = { [K in keyof typeof defaults]: ReturnType<typeof vi.fn<(...args: any[]) => Promise<Result>>> };

export const commands = Object.fromEntries(
  Object.entries(defaults).map(([name, impl]) => [name, vi.fn(impl)]),
) as unknown as Commands;

type Callback = (event: { event: string; id: number; payload: unknown }) => void;
const listeners = new Map<string, Set<Callback>>();

function eventObject(name: string) {
  return {
    listen: (cb: Callback) => {
      const set = listeners.get(name) ?? new Set<Callback>();
      set.add(cb);
      listeners.set(name, set);
      return Promise.resolve(() => void set.delete(cb));
    },
  };
}

export const events = {
  conversationsChanged: eventObject("conversationsChanged"),
  connStateChanged: eventObject("connStateChanged"),
  signedOut: eventObject("signedOut"),
  sessionChanged: eventObject("sessionChanged"),
  noticeRaised: eventObject("noticeRaised"),
  uploadProgressChanged: eventObject("uploadProgressChanged"),
  clientTypingChanged: eventObject("clientTypingChanged"),
  openConversation: eventObject("openConversation"),
  notifyFailed: eventObject("notifyFailed"),
  notifySettingsChanged: eventObject("notifySettingsChanged"),
  signOutRequested: eventObject("signOutRequested"),
};

/** Delivers a backend event to everything listening. */
export function fire(name: keyof typeof events, payload: unknown): void {
  for (const cb of listeners.get(name) ?? []) cb({ event: name, id: 0, payload });
}

export function listenerCount(name: keyof typeof events): number {
  return listeners.get(name)?.size ?? 0;
}

/** Back to the default answers; call in `beforeEach`. */
export function resetFakes(): void {
  for (const [name, impl] of Object.entries(defaults)) {
    const fn = commands[name as keyof Commands];
    fn.mockReset();
    fn.mockImplementation(impl);
  }
  listeners.clear();
}
