/** The Channel accounts screen's form for a kind's settings, turned into what the server (and
 * `channel add`) takes. The server checks everything and answers with a sentence; this only
 * assembles the fields. */
import type { ChannelKind, ChannelSettings } from "../ipc";

/** The kinds the server can connect, in the order the kind picker shows them. */
export const ADDABLE_KINDS: { kind: ChannelKind; label: string }[] = [
  { kind: "custom", label: "Custom app" },
  { kind: "telegram", label: "Telegram" },
  { kind: "email", label: "Email" },
  { kind: "livechat", label: "LiveChat" },
];

export type SettingsForm = {
  callback: string;
  botToken: string;
  /** Telegram: the server polls `getUpdates`, or Telegram calls the server's webhook. */
  updates: "polling" | "webhook";
  webhookUrl: string;
  apiUrl: string;
  address: string;
  imapServer: string;
  imapUser: string;
  imapPassword: string;
  smtpServer: string;
  smtpUser: string;
  smtpPassword: string;
  /** One origin per line (or separated by spaces or commas). */
  origins: string;
};

export function emptySettings(): SettingsForm {
  return {
    callback: "",
    botToken: "",
    updates: "polling",
    webhookUrl: "",
    apiUrl: "",
    address: "",
    imapServer: "",
    imapUser: "",
    imapPassword: "",
    smtpServer: "",
    smtpUser: "",
    smtpPassword: "",
    origins: "",
  };
}

/** `imaps://mail.example.com` with a user and password: `imaps://user:pass@mail.example.com`,
 * both percent-encoded (a mailbox user is often an address with an `@`). */
export function mailUrl(server: string, user: string, password: string): string | null {
  const s = server.trim();
  if (!s) return null;
  const u = user.trim();
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/i.exec(s);
  // No scheme, or credentials already in it: sent as typed, the server says what is wrong.
  const [, scheme, rest] = m ?? [];
  if (scheme === undefined || rest === undefined || (!u && !password) || rest.includes("@")) return s;
  return `${scheme}${encodeURIComponent(u)}:${encodeURIComponent(password)}@${rest}`;
}

const orNull = (s: string) => s.trim() || null;

/** The settings of `kind` from the form; the other kinds' fields are left out. */
export function toSettings(kind: ChannelKind, f: SettingsForm): ChannelSettings {
  switch (kind) {
    case "telegram":
      return {
        bot_token: orNull(f.botToken),
        // Webhook chosen without an address: sent empty, so the server says what it needs.
        webhook_url: f.updates === "webhook" ? f.webhookUrl.trim() : null,
        api_url: orNull(f.apiUrl),
      };
    case "email":
      return {
        address: orNull(f.address),
        imap_url: mailUrl(f.imapServer, f.imapUser, f.imapPassword),
        smtp_url: mailUrl(f.smtpServer, f.smtpUser, f.smtpPassword),
      };
    case "livechat":
      return { origins: f.origins.split(/[\s,]+/).filter(Boolean) };
    default:
      return { callback_url: orNull(f.callback) };
  }
}

/** Tags as typed: comma-separated; the server trims them and drops repeats. */
export function parseTags(text: string): string[] {
  return text
    .split(",")
    .map((t) => t.trim())
    .filter(Boolean);
}

/** The server the app talks to, for the LiveChat embed code (set by the desk). */
export const SERVER_URL_CONTEXT = Symbol("server-url");

/** The `<script>` tag a site pastes to embed a LiveChat channel's widget: the same as the
 * server's `channel add --kind livechat` prints (channels::livechat::snippet). */
export function widgetSnippet(server: string, channelId: number): string {
  return `<script src="${server.replace(/\/+$/, "")}/widget.js" data-channel="${channelId}" async></script>`;
}
