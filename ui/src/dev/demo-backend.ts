/**
 * A stand-in shell for `npm run dev` in a plain browser (no Tauri): answers the commands of
 * `bindings.ts` from made-up data and emits the same events, so the UI can be developed and
 * looked at without the Rust side. Loaded only in dev builds (see main.ts); never shipped.
 * Sign in with any email and the password "demo"; "wrong" shows the error path.
 */
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import type {
  ChannelKind,
  ConnState,
  ConversationAction,
  ConversationRow,
  ConversationStatus,
  ConversationView,
  ListQuery,
  Me,
  SessionInfo,
  TabCounts,
  ThreadMessage,
} from "../lib/bindings";

type Conv = ConversationRow & { operator_id: number | null; closed_by: number | null; messages: ThreadMessage[] | null };

const ME: Me = {
  operator: { id: 1, name: "Anna Petrova", email: "anna@example.com", super_admin: false, role_id: 2, group_ids: [1, 2], active: true },
  company: { id: 1, name: "Northwind Support" },
  permissions: {
    conversations_management: false,
    show_all_tab: true,
    manage_operators: false,
    manage_settings: false,
    view_analytics: true,
    outgoing_whatsapp: false,
  },
};
const OPERATORS = ["Anna Petrova", "Marcus Lee", "Sofia Rossi", "Jonas Berg"];
const GROUPS = [
  { name: "Support", color: "#3b82f6" },
  { name: "Sales", color: "#16a34a" },
  { name: "Billing", color: "#d97706" },
  { name: "VIP", color: "#9333ea" },
];
const CHANNELS: [ChannelKind, string][] = [
  ["telegram", "Telegram bot"], ["whatsapp", "WhatsApp +1 555"], ["email", "support@northwind.test"],
  ["livechat", "Website chat"], ["facebook", "Facebook page"], ["viber", "Viber"], ["custom", "Mobile app"],
];
const FIRST = ["Olivia", "Liam", "Emma", "Noah", "Ava", "Mateo", "Mia", "Lucas", "Amelia", "Ethan", "Yuki", "Priya", "Omar", "Chloé", "Ivan", "Zoe"];
const LAST = ["Smith", "García", "Müller", "Kowalski", "Nguyen", "Johnson", "Rossi", "Dubois", "Tanaka", "Silva", "Novak", "Brown"];
const LINES = [
  "Hi! My order hasn't arrived yet, can you check?",
  "I was charged twice for the same subscription.",
  "How do I change the delivery address?",
  "Thanks, that worked!",
  "Is there a discount for annual plans?",
  "The app crashes when I open settings.\nVersion 4.2 on Android.",
  "Can I get an invoice for last month?",
  "Hello? Anyone there?",
  "<script>alert('hi')</script> is what the form shows me",
];
const REPLIES = [
  "Hi! Let me look into that for you.",
  "I've refunded the duplicate charge — you'll see it in 3–5 days.",
  "You can change it under Account → Addresses.",
  "Glad to help! Anything else?",
];

function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

const now = Date.now();
const convs: Conv[] = [];
let nextMessageId = 1_000_000;
const r0 = rng(42);
for (let id = 1; id <= 2400; id++) {
  const [kind, channel] = pick(r0, CHANNELS);
  const group = pick(r0, GROUPS);
  const x = r0();
  const status: ConversationStatus = x < 0.2 ? "unassigned" : x < 0.45 ? "inbox" : "closed";
  const mine = status !== "unassigned" && r0() < 0.5;
  const operator = status === "unassigned" ? null : mine ? ME.operator.name : pick(r0, OPERATORS.slice(1));
  const fromOperator = status !== "unassigned" && r0() < 0.5;
  convs.push({
    id,
    client_name: `${pick(r0, FIRST)} ${pick(r0, LAST)}`,
    channel_kind: kind,
    channel_name: channel,
    last_message_from_operator: fromOperator,
    operator_name: operator,
    operator_id: operator ? OPERATORS.indexOf(operator) + 1 : null,
    closed_by: status === "closed" && mine ? 1 : null,
    unread: !fromOperator && r0() < 0.35,
    group_name: group.name,
    group_color: group.color,
    status,
    time: now - Math.floor(r0() ** 3 * 500 * 86_400_000),
    preview: fromOperator ? pick(r0, REPLIES) : pick(r0, LINES).replace(/\n/g, " "),
    pending: 0,
    blacklisted: r0() < 0.02,
    messages: null,
  });
}

function thread(c: Conv): ThreadMessage[] {
  if (c.messages) return c.messages;
  const r = rng(c.id);
  const count = 3 + Math.floor(r() * 60);
  const out: ThreadMessage[] = [];
  let t = c.time - count * 7 * 60_000;
  for (let i = 0; i < count; i++) {
    t += Math.floor(r() * 14 * 60_000);
    const x = r();
    const kind = i === 0 ? "client" : x < 0.5 ? "client" : x < 0.85 ? "operator" : x < 0.95 ? "note" : "system";
    const id = nextMessageId++;
    out.push({
      key: `m${id}`,
      id,
      kind,
      text: kind === "client" ? pick(r, LINES) : kind === "operator" ? pick(r, REPLIES) : kind === "note" ? "VIP client — offer the loyalty discount." : `${c.operator_name ?? "Anna Petrova"} started the conversation`,
      author_name: kind === "client" ? c.client_name : kind === "system" ? null : (c.operator_name ?? "Marcus Lee"),
      created_at: t,
      delivery: kind === "operator" ? (r() < 0.1 ? "failed" : r() < 0.5 ? "sent" : "delivered") : "delivered",
      outbox: null,
      attachment: null,
    });
  }
  c.messages = out;
  return out;
}

function visible(c: Conv, tab: ListQuery["tab"]): boolean {
  switch (tab) {
    case "unassigned": return c.status === "unassigned" && !c.blacklisted;
    case "inbox": return c.status === "inbox" && c.operator_id === 1 && !c.blacklisted;
    case "closed": return c.status === "closed" && c.closed_by === 1;
    case "blacklist": return c.blacklisted;
    default: return !c.blacklisted;
  }
}

const strip = ({ operator_id: _o, closed_by: _c, messages: _m, ...row }: Conv): ConversationRow => row;
const find = (id: number): Conv => {
  const c = convs.find((x) => x.id === id);
  if (!c) throw { kind: "not_found", message: "This conversation is no longer available." };
  return c;
};
const changed = (ids: number[]) => void emit("conversations-changed", { ids });

function counts(): TabCounts {
  const inbox = convs.filter((c) => visible(c, "inbox"));
  return {
    unassigned: convs.filter((c) => visible(c, "unassigned")).length,
    inbox: inbox.length,
    inbox_unread: inbox.filter((c) => c.unread).length,
    closed: convs.filter((c) => visible(c, "closed")).length,
    unread_total: convs.filter((c) => c.unread && !c.blacklisted).length,
  };
}

function view(c: Conv): ConversationView {
  const mine = c.status === "inbox" && c.operator_id === 1;
  const messages = thread(c);
  return {
    row: strip(c),
    client: { id: c.id, channel_account_id: 1, external_id: `ext-${c.id}`, original_name: c.client_name, display_name: c.client_name, blacklisted: c.blacklisted, pinned_operator_id: null, created_at: c.time },
    operator_id: c.operator_id,
    group_id: 1,
    messages: messages.slice(-30),
    has_older: messages.length > 30,
    can: { start: c.status !== "inbox" && !c.blacklisted, close: mine, unassign: mine, send: mine && !c.blacklisted, note: true },
    pending_actions: [],
  };
}

function act(c: Conv, action: ConversationAction) {
  if (action.action === "start") Object.assign(c, { status: "inbox", operator_id: 1, operator_name: ME.operator.name });
  if (action.action === "close") Object.assign(c, { status: "closed", closed_by: 1 });
  if (action.action === "unassign") Object.assign(c, { status: "unassigned", operator_id: null, operator_name: null });
  c.time = Date.now();
  thread(c).push({ key: `s${nextMessageId}`, id: nextMessageId++, kind: "system", text: `${ME.operator.name}: ${action.action}`, author_name: null, created_at: Date.now(), delivery: "delivered", outbox: null, attachment: null });
}

function send(c: Conv, text: string, note: boolean): ThreadMessage {
  const key = crypto.randomUUID();
  const msg: ThreadMessage = { key, id: null, kind: note ? "note" : "operator", text, author_name: ME.operator.name, created_at: Date.now(), delivery: "pending", outbox: { state: "queued" }, attachment: null };
  thread(c).push(msg);
  c.pending++;
  setTimeout(() => {
    const id = nextMessageId++;
    const list = thread(c);
    list[list.indexOf(msg)] = { ...msg, key: `m${id}`, id, delivery: "sent", outbox: null };
    Object.assign(c, { pending: c.pending - 1, preview: text.replace(/\n/g, " "), last_message_from_operator: true, time: Date.now() });
    changed([c.id]);
  }, 800);
  return msg;
}

let conn: ConnState = { state: "connecting" };
function setConn(state: ConnState) {
  conn = state;
  void emit("conn-state-changed", { state });
}

export function installDemoBackend(): void {
  let session: SessionInfo | null = sessionStorage.getItem("demo-signed-in")
    ? { server_url: "https://demo.switchboard.test", me: ME, remembered: true }
    : null;
  mockIPC(
    async (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      await new Promise((r) => setTimeout(r, 40));
      switch (cmd) {
        case "restore_session": return session;
        case "keychain_status": return { available: true, detail: "Secret Service" };
        case "default_server_url": return "https://demo.switchboard.test";
        case "sign_in":
          if (a.password !== "demo") throw { kind: "unauthorized", message: "Wrong email or password." };
          session = { server_url: String(a.serverUrl), me: ME, remembered: Boolean(a.remember) };
          sessionStorage.setItem("demo-signed-in", "1");
          return session;
        case "sign_out":
          sessionStorage.removeItem("demo-signed-in");
          session = null;
          return null;
        case "list_conversations": {
          const q = a.query as ListQuery;
          const words = q.search?.toLowerCase();
          return convs
            .filter((c) => visible(c, q.tab))
            .filter((c) => !words || `${c.client_name} ${c.preview}`.toLowerCase().split(/\W+/).some((w) => w.startsWith(words)))
            .sort((x, y) => y.time - x.time)
            .map(strip);
        }
        case "tab_counts": return counts();
        case "open_conversation": {
          const c = find(Number(a.id));
          if (c.unread) setTimeout(() => changed([]), 0);
          c.unread = false;
          return view(c);
        }
        case "older_messages": {
          const list = thread(find(Number(a.id)));
          const at = list.findIndex((m) => m.id === a.beforeId);
          return list.slice(Math.max(0, at - 30), Math.max(0, at));
        }
        case "send_message": {
          const c = find(Number(a.conversationId));
          setTimeout(() => changed([c.id]), 0);
          return send(c, String(a.text), Boolean(a.note));
        }
        case "conversation_action": {
          const c = find(Number(a.conversationId));
          act(c, a.action as ConversationAction);
          setTimeout(() => changed([c.id]), 0);
          return null;
        }
        case "conn_state": return conn;
        default: throw { kind: "server", message: `The demo backend has no command ${cmd}.` };
      }
    },
    { shouldMockEvents: true },
  );

  let done = 0;
  const timer = setInterval(() => {
    done += 150;
    setConn(done >= 2000 ? { state: "online" } : { state: "syncing", done, total: 2000 });
    if (done >= 2000) clearInterval(timer);
  }, 300);
  setInterval(() => {
    const inbox = convs.filter((c) => visible(c, "inbox"));
    const c = inbox[Math.floor(Math.random() * inbox.length)];
    if (!c) return;
    const text = LINES[Math.floor(Math.random() * LINES.length)] ?? "";
    thread(c).push({ key: `m${nextMessageId}`, id: nextMessageId++, kind: "client", text, author_name: c.client_name, created_at: Date.now(), delivery: "delivered", outbox: null, attachment: null });
    Object.assign(c, { unread: true, preview: text.replace(/\n/g, " "), last_message_from_operator: false, time: Date.now() });
    changed([c.id]);
  }, 20_000);
}
