// @ts-check
// Switchboard LiveChat widget. Embedded with
//   <script src="https://desk.example.com/widget.js" data-channel="7" async></script>
// Served as is by switchboard-server (/widget.js); no build step: see widget/README.md.
// Protocol: crates/server/src/channels/livechat (init, WebSocket, files).
(function () {
  "use strict";

  const script = /** @type {HTMLScriptElement | null} */ (document.currentScript);
  if (!script || !script.src) return;
  const channel = script.dataset.channel || "";
  if (!/^\d+$/.test(channel)) {
    console.error("Switchboard chat: data-channel must be the chat's id");
    return;
  }
  const base = new URL(script.src).origin;
  const api = base + "/api/v1/widget/" + channel;
  const storageKey = "switchboard-chat:" + base + ":" + channel;
  /** Reconnect pauses: doubling from 1 s up to 30 s, with jitter. */
  const BACKOFF_MIN = 1000;
  const BACKOFF_MAX = 30000;
  /** While the visitor types: at most one "typing" signal per this many ms (the server limits it). */
  const TYPING_EVERY = 2500;
  /** The operator's "typing…" shows this long after their last signal. */
  const TYPING_SHOWN = 6000;

  /**
   * @typedef {{ color: string, greeting: string, position: "left" | "right", offline_message: string }} Settings
   * @typedef {{ id: number, name: string, size: number, content_type: string }} WidgetFile
   * @typedef {{ id: number, from: "visitor" | "operator", text: string, created_at: number, file?: WidgetFile }} WidgetMessage
   * @typedef {{ id: string, text: string }} Pending
   */

  /** @type {string | null} */
  let token = null;
  try {
    token = localStorage.getItem(storageKey);
  } catch (_) {
    // Storage blocked (private mode, third-party rules): the chat lasts for this page.
  }
  /** @type {Map<number, WidgetMessage>} */
  const messages = new Map();
  /** @type {Pending[]} */
  let pending = [];
  /** @type {WebSocket | null} */
  let socket = null;
  let failures = 0;
  let maxFileBytes = 0;
  let online = true;
  let unread = 0;
  /** @type {Settings | null} */
  let settings = null;
  let typingSentAt = 0;
  let typingActive = false;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let typingTimer;

  // ---- DOM (in a shadow root, so the page's styles and ours do not mix) ----
  const host = document.createElement("div");
  host.id = "switchboard-chat";
  const root = host.attachShadow({ mode: "open" });
  /**
   * @param {string} tag
   * @param {Record<string, string>} [attrs]
   * @param {string} [text]
   */
  function el(tag, attrs, text) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text) e.textContent = text;
    return e;
  }
  const style = el("style");
  const launcher = el("button", {
    class: "launcher",
    type: "button",
    "aria-label": "Open chat",
    "aria-expanded": "false",
    "aria-controls": "sb-panel",
  });
  launcher.innerHTML =
    '<svg viewBox="0 0 24 24" width="28" height="28" aria-hidden="true"><path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  const badge = el("span", { class: "badge", hidden: "" });
  launcher.append(badge);
  const panel = el("div", { id: "sb-panel", class: "panel", role: "dialog", "aria-label": "Chat", hidden: "" });
  const header = el("div", { class: "header" });
  const title = el("h2", {}, "Chat with us");
  const close = el("button", { class: "close", type: "button", "aria-label": "Close chat" }, "×");
  header.append(title, close);
  const intro = el("p", { class: "intro" });
  const log = el("ol", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Messages" });
  const status = el("p", { class: "status", role: "status" });
  // A polite live region of its own: a screen reader says "Support is typing…" once, not at
  // every repeated signal (the text is set only when it appears).
  const typingLine = el("p", { class: "typing", "aria-live": "polite" });
  const form = /** @type {HTMLFormElement} */ (el("form", { class: "compose" }));
  const label = el("label", { for: "sb-text", class: "sr-only" }, "Your message");
  const input = /** @type {HTMLTextAreaElement} */ (el("textarea", { id: "sb-text", rows: "2", placeholder: "Write a message…", maxlength: "10000" }));
  const attach = el("button", { class: "attach", type: "button", "aria-label": "Attach a file" }, "📎");
  const fileInput = /** @type {HTMLInputElement} */ (el("input", { type: "file", hidden: "", tabindex: "-1" }));
  const send = el("button", { class: "send", type: "submit" }, "Send");
  const alertBox = el("p", { class: "alert", role: "alert" });
  form.append(label, input, attach, send, fileInput);
  panel.append(header, intro, log, typingLine, alertBox, status, form);
  root.append(style, launcher, panel);

  function css() {
    const color = settings ? settings.color : "#2563eb";
    const side = settings && settings.position === "left" ? "left" : "right";
    style.textContent = `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
.launcher { position: fixed; ${side}: 20px; bottom: 20px; z-index: 2147483000; width: 56px; height: 56px;
  border-radius: 50%; border: 0; background: ${color}; color: #fff; cursor: pointer;
  box-shadow: 0 4px 14px rgba(0,0,0,.25); display: flex; align-items: center; justify-content: center; }
.launcher:focus-visible, button:focus-visible, textarea:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
.badge { position: absolute; top: -4px; right: -4px; min-width: 20px; height: 20px; border-radius: 10px;
  background: #dc2626; color: #fff; font-size: 12px; line-height: 20px; text-align: center; padding: 0 5px; }
.panel { position: fixed; ${side}: 20px; bottom: 88px; z-index: 2147483000; width: 340px; max-width: calc(100vw - 40px);
  height: 460px; max-height: calc(100vh - 110px); background: #fff; color: #111827; border-radius: 12px;
  box-shadow: 0 8px 30px rgba(0,0,0,.25); display: flex; flex-direction: column; overflow: hidden; }
.panel[hidden], .badge[hidden] { display: none; }
.header { background: ${color}; color: #fff; display: flex; align-items: center; justify-content: space-between; padding: 10px 14px; }
.header h2 { margin: 0; font-size: 16px; }
.close { background: none; border: 0; color: #fff; font-size: 22px; cursor: pointer; line-height: 1; }
.intro { margin: 0; padding: 10px 14px; background: #f3f4f6; font-size: 14px; }
.log { list-style: none; margin: 0; padding: 10px 14px; flex: 1; overflow-y: auto; display: flex; flex-direction: column; gap: 6px; }
.log li { max-width: 80%; padding: 7px 10px; border-radius: 10px; font-size: 14px; white-space: pre-wrap; word-wrap: break-word; }
.log li.visitor { align-self: flex-end; background: ${color}; color: #fff; }
.log li.operator { align-self: flex-start; background: #e5e7eb; }
.log li.pending { opacity: .6; }
.log li button { background: none; border: 0; color: inherit; text-decoration: underline; cursor: pointer; font: inherit; padding: 0; }
.status { margin: 0; padding: 0 14px; font-size: 12px; color: #6b7280; min-height: 0; }
.typing { margin: 0; padding: 0 14px; font-size: 12px; font-style: italic; color: #6b7280; }
.typing:not(:empty) { padding-bottom: 4px; }
.alert { margin: 0; padding: 0 14px; font-size: 13px; color: #b91c1c; }
.alert:empty, .status:empty { display: none; }
.compose { display: flex; gap: 6px; padding: 10px; border-top: 1px solid #e5e7eb; align-items: flex-end; }
.compose textarea { flex: 1; resize: none; border: 1px solid #d1d5db; border-radius: 8px; padding: 6px 8px; font-size: 14px; }
.compose button { border: 0; border-radius: 8px; padding: 8px 10px; cursor: pointer; font-size: 14px; }
.send { background: ${color}; color: #fff; }
.attach { background: #f3f4f6; }
`;
  }

  // ---- Rendering ----
  /** @param {number} n */
  function size(n) {
    return n < 1024 * 1024 ? Math.max(1, Math.round(n / 1024)) + " KB" : (n / 1024 / 1024).toFixed(1) + " MB";
  }

  function render() {
    const sorted = [...messages.values()].sort((a, b) => a.id - b.id);
    const nodes = sorted.map((m) => {
      const li = el("li", { class: m.from, "data-id": String(m.id) });
      const who = el("span", { class: "sr-only" }, m.from === "visitor" ? "You: " : "Support: ");
      li.append(who);
      if (m.file) {
        const f = m.file;
        const b = el("button", { type: "button" }, "📎 " + f.name + " (" + size(f.size) + ")");
        b.addEventListener("click", () => download(f));
        li.append(b);
      } else {
        li.append(document.createTextNode(m.text));
      }
      return li;
    });
    for (const p of pending) {
      const li = el("li", { class: "visitor pending" });
      li.append(el("span", { class: "sr-only" }, "Sending: "), document.createTextNode(p.text));
      nodes.push(li);
    }
    log.replaceChildren(...nodes);
    log.scrollTop = log.scrollHeight;
    intro.textContent = settings ? (online ? settings.greeting : settings.offline_message) : "";
    badge.textContent = String(unread);
    badge.toggleAttribute("hidden", unread === 0);
    launcher.setAttribute("aria-label", unread ? "Open chat, " + unread + " new" : "Open chat");
  }

  /** The operator is typing (`true`, shown for a few seconds) or stopped / answered. @param {boolean} on */
  function showTyping(on) {
    clearTimeout(typingTimer);
    if (!on) {
      typingLine.textContent = "";
      return;
    }
    if (!typingLine.textContent) typingLine.textContent = "Support is typing…";
    typingTimer = setTimeout(() => showTyping(false), TYPING_SHOWN);
  }

  /** @param {string} text */
  function showError(text) {
    alertBox.textContent = text;
  }

  // ---- Opening and closing ----
  function isOpen() {
    return !panel.hasAttribute("hidden");
  }
  function open() {
    panel.removeAttribute("hidden");
    launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    render();
    input.focus();
  }
  function shut() {
    panel.setAttribute("hidden", "");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }
  launcher.addEventListener("click", () => (isOpen() ? shut() : open()));
  close.addEventListener("click", shut);
  panel.addEventListener("keydown", (e) => {
    if (/** @type {KeyboardEvent} */ (e).key === "Escape") shut();
  });

  // ---- Talking to the server ----
  /** @param {Response} resp */
  async function errorOf(resp) {
    try {
      const body = await resp.json();
      return (body && body.error && body.error.message) || "The chat is unavailable (" + resp.status + ").";
    } catch (_) {
      return "The chat is unavailable (" + resp.status + ").";
    }
  }

  async function init() {
    const resp = await fetch(api + "/init", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token }),
    });
    if (!resp.ok) throw new Error(await errorOf(resp));
    const w = await resp.json();
    token = w.token;
    settings = w.settings;
    maxFileBytes = w.max_file_bytes;
    try {
      localStorage.setItem(storageKey, w.token);
    } catch (_) {
      // See above: the chat lasts for this page.
    }
    css();
  }

  function connect() {
    if (!token) return;
    const url = api.replace(/^http/, "ws") + "/ws?token=" + encodeURIComponent(token);
    const ws = new WebSocket(url);
    socket = ws;
    status.textContent = "Connecting…";
    ws.onopen = () => {
      failures = 0;
      status.textContent = "";
      for (const p of pending) ws.send(JSON.stringify({ type: "message", id: p.id, text: p.text }));
    };
    ws.onmessage = (ev) => {
      let f;
      try {
        f = JSON.parse(ev.data);
      } catch (_) {
        return;
      }
      if (f.type === "hello") {
        online = f.online;
        showTyping(false);
        messages.clear();
        for (const m of f.messages) messages.set(m.id, m);
      } else if (f.type === "message") {
        const fresh = !messages.has(f.message.id);
        messages.set(f.message.id, f.message);
        if (f.message.from === "operator") showTyping(false);
        if (fresh && f.message.from === "operator" && !isOpen()) unread += 1;
      } else if (f.type === "typing") {
        showTyping(!!f.typing);
      } else if (f.type === "ack") {
        pending = pending.filter((p) => p.id !== f.id);
      } else if (f.type === "error") {
        if (f.id) pending = pending.filter((p) => p.id !== f.id);
        showError(f.message);
      }
      render();
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      showTyping(false);
      typingActive = false;
      failures += 1;
      status.textContent = "Reconnecting…";
      const pause = Math.min(BACKOFF_MAX, BACKOFF_MIN * 2 ** Math.min(failures - 1, 10));
      setTimeout(reconnect, pause / 2 + Math.random() * (pause / 2));
    };
  }

  async function reconnect() {
    // After a few failed tries the token may be the trouble (a reset server): ask again.
    if (failures >= 3) {
      try {
        await init();
      } catch (e) {
        status.textContent = "Reconnecting…";
      }
    }
    connect();
  }

  function newId() {
    return (crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random()).slice(0, 64);
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    showError("");
    const p = { id: newId(), text };
    pending.push(p);
    input.value = "";
    // The server ends the operators' "is typing…" when it stores the message.
    typingActive = false;
    render();
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "message", id: p.id, text: p.text }));
    }
  });
  /** @param {boolean} typing */
  function sendTyping(typing) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "typing", typing }));
  }
  // The operator sees "… is typing…": one signal every few seconds while typing, a stop when
  // the box is emptied.
  input.addEventListener("input", () => {
    if (input.value.trim()) {
      const now = Date.now();
      if (!typingActive || now - typingSentAt >= TYPING_EVERY) {
        typingActive = true;
        typingSentAt = now;
        sendTyping(true);
      }
    } else if (typingActive) {
      typingActive = false;
      sendTyping(false);
    }
  });
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });

  attach.addEventListener("click", () => fileInput.click());
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files && fileInput.files[0];
    fileInput.value = "";
    if (!file || !token) return;
    showError("");
    if (file.size > maxFileBytes) {
      showError("The file is larger than " + size(maxFileBytes) + ", the most the chat accepts.");
      return;
    }
    status.textContent = "Sending " + file.name + "…";
    try {
      const resp = await fetch(api + "/files", {
        method: "POST",
        headers: { "X-Visitor-Token": token, "X-File-Name": encodeURIComponent(file.name) },
        body: file,
      });
      if (!resp.ok) showError(await errorOf(resp));
    } catch (_) {
      showError("The file could not be sent; check the connection and try again.");
    }
    status.textContent = "";
    input.focus();
  });

  /** @param {WidgetFile} f */
  async function download(f) {
    if (!token) return;
    const resp = await fetch(api + "/files/" + f.id, { headers: { "X-Visitor-Token": token } });
    if (!resp.ok) {
      showError(await errorOf(resp));
      return;
    }
    const url = URL.createObjectURL(await resp.blob());
    const a = document.createElement("a");
    a.href = url;
    a.download = f.name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  async function start() {
    try {
      await init();
    } catch (e) {
      // Refused (an origin the chat does not allow) or unreachable: no widget at all.
      console.error("Switchboard chat:", e instanceof Error ? e.message : e);
      return;
    }
    document.body.append(host);
    render();
    connect();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
