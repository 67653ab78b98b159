/** Test data shaped like the shell's replies. */
import type {
  ClientNote,
  ConversationRow,
  ConversationView,
  FirstScreen,
  Me,
  Opened,
  Permissions,
  SessionInfo,
  Tab,
  ThreadMessage,
} from "../lib/ipc";

export const NO_PERMISSIONS: Permissions = {
  conversations_management: false,
  show_all_tab: false,
  manage_operators: false,
  manage_settings: false,
  view_analytics: false,
  outgoing_whatsapp: false,
  view_action_log: false,
  download_conversations: false,
};

export function makeMe(over: { permissions?: Partial<Permissions>; super_admin?: boolean } = {}): Me {
  return {
    operator: {
      id: 7,
      name: "Anna Petrova",
      email: "anna@example.com",
      super_admin: over.super_admin ?? false,
      role_id: 2,
      group_ids: [],
      active: true,
    },
    company: { id: 1, name: "Northwind" },
    permissions: { ...NO_PERMISSIONS, ...over.permissions },
  };
}

export function makeSession(over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    server_url: "https://desk.example.com",
    me: makeMe(),
    remembered: true,
    tabs: ["unassigned", "inbox", "closed"],
    ...over,
  };
}

/** What the shell answers a restore or a sign-in with: the session, and no first screen
 * unless given. */
export function makeOpened(session: SessionInfo = makeSession(), first_screen: FirstScreen | null = null): Opened {
  return { session, first_screen };
}

/** A start's first screen: `tab` with `rows` (a list `total` long) and counters. */
export function makeFirstScreen(tab: Tab, rows: ConversationRow[], total = rows.length): FirstScreen {
  return {
    tab,
    page: { rows, total, matching: total },
    counts: { unassigned: 4, inbox: 3, inbox_unread: 0, closed: total, unread_total: 0 },
  };
}

export function makeRow(over: Partial<ConversationRow> = {}): ConversationRow {
  return {
    id: 1,
    client_name: "Olivia Smith",
    channel_kind: "telegram",
    channel_name: "Telegram bot",
    last_message_from_operator: false,
    operator_name: "Marcus Lee",
    unread: false,
    group_name: "Support",
    group_color: "#3b82f6",
    status: "inbox",
    time: Date.now(),
    preview: "Where is my order?",
    pending: 0,
    blacklisted: false,
    ...over,
  };
}

export function makeMessage(over: Partial<ThreadMessage> = {}): ThreadMessage {
  const id = over.id === undefined ? 100 : over.id;
  return {
    key: id === null ? "5f0c-pending" : `m${id}`,
    id,
    kind: "client",
    text: "Hello",
    author_name: "Olivia Smith",
    created_at: Date.now(),
    delivery: "delivered",
    delivery_error: null,
    outbox: null,
    attachment: null,
    ...over,
  };
}

export function makeView(over: Partial<ConversationView> = {}): ConversationView {
  const row = over.row ?? makeRow();
  return {
    row,
    tab: row.status === "unassigned" ? "unassigned" : row.status === "inbox" ? "inbox" : "closed",
    client: {
      id: 11,
      channel_account_id: 1,
      external_id: "tg-11",
      original_name: row.client_name,
      display_name: row.client_name,
      blacklisted: false,
      pinned_operator_id: null,
      created_at: 0,
    },
    operator_id: 7,
    group_id: 1,
    messages: [makeMessage()],
    has_older: false,
    can: { start: false, close: true, unassign: true, send: true, note: true },
    pending_actions: [],
    ...over,
  };
}

export function makeNote(id: number, text: string): ClientNote {
  return {
    id,
    client_id: 11,
    conversation_id: 1,
    operator_id: 7,
    operator_name: "Anna",
    text,
    created_at: 1_700_000_000_000,
  };
}
