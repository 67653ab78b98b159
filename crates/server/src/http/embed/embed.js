// The embedded conversation view (/embed/{link}): shows the conversation, refreshes it every few
// seconds, and sends the CRM user's answers. Everything goes to the link's own routes; the
// page holds no token of its own.
(function () {
  "use strict";
  const base = location.pathname.replace(/\/+$/, "");
  const thread = /** @type {HTMLElement} */ (document.getElementById("thread"));
  const client = /** @type {HTMLElement} */ (document.getElementById("client"));
  const status = /** @type {HTMLElement} */ (document.getElementById("status"));
  const error = /** @type {HTMLElement} */ (document.getElementById("error"));
  const form = /** @type {HTMLFormElement} */ (document.getElementById("answer"));
  const text = /** @type {HTMLTextAreaElement} */ (document.getElementById("text"));
  const send = /** @type {HTMLButtonElement} */ (document.getElementById("send"));
  const REFRESH_MS = 3000;
  /** @type {Record<string, string>} */
  const STATUS = { unassigned: "Unassigned", inbox: "In progress", closed: "Closed" };
  let shown = "";

  /** @param {Response} res */
  async function failure(res) {
    try {
      const body = await res.json();
      return (body && body.error && body.error.message) || res.statusText;
    } catch (_) {
      return res.statusText;
    }
  }

  /** @param {{id: number, kind: string, text: string, created_at: number}[]} messages */
  function render(messages) {
    const key = messages.map((m) => m.id + ":" + m.text.length).join(",");
    if (key === shown) return;
    shown = key;
    const atEnd = thread.scrollTop + thread.clientHeight >= thread.scrollHeight - 8;
    thread.replaceChildren(
      ...messages.map((m) => {
        const el = document.createElement("div");
        el.className = "msg " + m.kind;
        el.dataset.id = String(m.id);
        el.textContent = m.text;
        const meta = document.createElement("span");
        meta.className = "meta";
        meta.textContent = new Date(m.created_at).toLocaleString();
        el.append(meta);
        return el;
      }),
    );
    if (atEnd) thread.scrollTop = thread.scrollHeight;
  }

  async function refresh() {
    try {
      const res = await fetch(base + "/conversation", { cache: "no-store" });
      if (!res.ok) {
        error.textContent = await failure(res);
        return;
      }
      const c = await res.json();
      client.textContent = c.client.display_name;
      status.textContent = STATUS[c.status] || c.status;
      render(c.messages);
    } catch (_) {
      status.textContent = "offline";
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const answer = text.value.trim();
    if (!answer) return;
    send.disabled = true;
    error.textContent = "";
    try {
      const res = await fetch(base + "/messages", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text: answer, client_msg_id: crypto.randomUUID() }),
      });
      if (res.ok) {
        text.value = "";
        await refresh();
      } else {
        error.textContent = await failure(res);
      }
    } finally {
      send.disabled = false;
    }
  });
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });

  refresh();
  setInterval(refresh, REFRESH_MS);
})();
