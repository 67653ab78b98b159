// The LiveChat widget in headless Chromium against a real switchboard-server: the widget's
// demo page (widget/demo.html) is served on another origin than the server; the visitor
// writes, the operator (REST API) sees it and answers, the visitor sees the answer, reloads
// and still sees the history; a page on an origin the chat does not allow gets no widget.
//
//   node widget.test.mjs OUT_DIR      (run.sh passes it; screenshots go there)
// Env: SERVER (the binary), CHROMIUM (default /usr/bin/chromium), SCREENSHOT (also write the
// docs screenshot to this path).
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { DEADLINE, assert, cases, cli as run, startServer as start, until } from "./harness.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const OUT = process.argv[2] || join(ROOT, "test-output", "widget");
mkdirSync(OUT, { recursive: true });
const SERVER = process.env.SERVER;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";

const dir = mkdtempSync(join(tmpdir(), "sb-widget-"));
const db = join(dir, "sb.db");
const cli = (...args) => run(SERVER, db, ...args);
const startServer = (listen) => start(SERVER, db, listen);
const { step, finish } = cases("browser");

/** The chat the demo pages embed (set once the channel exists). */
const embed = { server: "", channel: 0 };

/** Serves the demo page (for `embed`) on a free port of 127.0.0.1. */
async function pageServer() {
  const template = readFileSync(join(ROOT, "widget", "demo.html"), "utf8");
  const srv = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(template.replaceAll("{{SERVER}}", embed.server).replaceAll("{{CHANNEL}}", String(embed.channel)));
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return { srv, origin: `http://127.0.0.1:${srv.address().port}` };
}

cli("init", "--company", "Widget Shop", "--email", "admin@shop.test", "--password", "pw");
const apiToken = cli("token", "create", "--name", "widget-test").trim();
let server = await startServer();
process.on("exit", () => server.child.kill());
// Pages: the allowed one, and the same page on an origin the chat does not list.
const page1 = await pageServer();
const page2 = await pageServer();
const added = cli(
  "channel", "add", "--kind", "livechat", "--name", "Shop site",
  "--origin", page1.origin, "--public-url", server.url,
).trim().split("\n");
const channel = Number(added[0]);
assert(added[1].includes(`src="${server.url}/widget.js" data-channel="${channel}"`), "snippet printed: " + added[1]);
embed.server = server.url;
embed.channel = channel;
cli("channel", "widget", "--id", String(channel), "--color", "#0f766e",
  "--greeting", "Hi! Ask us anything about your bike.");

/** The seed Conversation API as the operator's integration. */
async function seed(path, params) {
  const resp = await fetch(server.url + "/api/conversations/" + path, {
    method: params ? "POST" : "GET",
    headers: { Authentication: apiToken, "content-type": "application/json" },
    body: params ? JSON.stringify(params) : undefined,
  });
  const body = await resp.json();
  if (!resp.ok) throw new Error(path + ": " + resp.status + " " + JSON.stringify(body));
  return body;
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
const page = await context.newPage();
let conversation = 0;

const launcher = () => page.getByRole("button", { name: /Open chat/ });
const log = () => page.getByRole("log", { name: "Messages" });
const focusedId = () =>
  page.evaluate(() => {
    const host = document.getElementById("switchboard-chat");
    const inner = host && host.shadowRoot && host.shadowRoot.activeElement;
    return document.activeElement === host && inner ? inner.id || inner.className : null;
  });

await step("the widget appears on an allowed page and opens with the keyboard", async () => {
  await page.goto(page1.origin + "/");
  await launcher().waitFor({ timeout: DEADLINE });
  assert((await launcher().getAttribute("aria-expanded")) === "false", "closed at first");
  await launcher().focus();
  await page.keyboard.press("Enter");
  await page.getByRole("dialog", { name: "Chat" }).waitFor({ timeout: DEADLINE });
  assert((await launcher().getAttribute("aria-expanded")) === "true", "aria-expanded");
  await until("the message box has the focus", async () => (await focusedId()) === "sb-text");
  assert((await log().getAttribute("aria-live")) === "polite", "new messages are announced");
  const intro = await page.locator(".intro").textContent();
  assert(intro.includes("offline") || intro.includes("Ask us"), "greeting or offline message: " + intro);
});

await step("the visitor writes and the operator sees it", async () => {
  await page.getByLabel("Your message").fill("Hello! Is the gravel bike in stock?");
  await page.keyboard.press("Enter");
  await log().getByText("Hello! Is the gravel bike in stock?").waitFor({ timeout: DEADLINE });
  const conv = await until("the conversation reaches the desk", async () => {
    const list = await seed("unassigned");
    const rows = list.data || [];
    return rows.find((c) => c.channel_account_id === channel);
  });
  conversation = conv.id;
  const got = await seed("get?conversation_id=" + conversation);
  const texts = got.data.messages.map((m) => m.text);
  assert(texts.includes("Hello! Is the gravel bike in stock?"), "desk has it: " + texts);
});

await step("the operator answers and the visitor sees it, delivered", async () => {
  await seed("start", { conversation_id: conversation });
  await seed("send-note", { conversation_id: conversation, text: "internal: ask the warehouse" });
  await seed("send-message", { conversation_id: conversation, text: "Yes, two left in size M." });
  await log().getByText("Yes, two left in size M.").waitFor({ timeout: DEADLINE });
  await until("the answer is delivered", async () => {
    const got = await seed("get?conversation_id=" + conversation);
    const m = got.data.messages.find((x) => x.text === "Yes, two left in size M.");
    return m && m.delivery === "delivered";
  });
  assert(!(await log().textContent()).includes("internal"), "notes never reach the visitor");
  await page.screenshot({ path: join(OUT, "widget-demo.png") });
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT });
});

await step("the visitor sees \"typing…\" while the operator types, and it clears", async () => {
  const typing = page.locator(".typing");
  assert((await typing.getAttribute("aria-live")) === "polite", "announced politely");
  const signal = async (on) => {
    const resp = await fetch(`${server.url}/api/v1/conversations/${conversation}/typing`, {
      method: "POST",
      headers: { Authorization: "Bearer " + apiToken, "content-type": "application/json" },
      body: JSON.stringify({ typing: on }),
    });
    assert(resp.status === 204, "typing route: " + resp.status + " " + (await resp.text()));
  };
  await signal(true);
  await until("typing… shows", async () => ((await typing.textContent()) || "").includes("typing…"));
  await page.screenshot({ path: join(OUT, "widget-typing.png") });
  await signal(false);
  await until("a stop clears it", async () => ((await typing.textContent()) || "") === "");
  // The answer clears it too, without a stop.
  await signal(true);
  await until("typing… shows again", async () => ((await typing.textContent()) || "").includes("typing…"));
  await seed("send-message", { conversation_id: conversation, text: "Shall I reserve one?" });
  await log().getByText("Shall I reserve one?").waitFor({ timeout: DEADLINE });
  assert(((await typing.textContent()) || "") === "", "the answer ends typing…");
  // And it goes away by itself when the signals stop (the widget shows one for 6 s).
  await signal(true);
  await until("typing… shows once more", async () => ((await typing.textContent()) || "").includes("typing…"));
  await until("it expires by itself", async () => ((await typing.textContent()) || "") === "");
});

await step("the visitor sends a file with the attach button and the operator gets it", async () => {
  const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(64)]);
  await page.locator('input[type="file"]').setInputFiles({ name: "frame.png", mimeType: "image/png", buffer: png });
  await log().getByText("frame.png").waitFor({ timeout: DEADLINE });
  const got = await until("the file on the desk", async () => {
    const c = await seed("get?conversation_id=" + conversation);
    return c.data.messages.find((m) => m.attachment && m.attachment.name === "frame.png");
  });
  assert(got.attachment.size === png.length, "the server holds the file: " + JSON.stringify(got.attachment));
});

await step("after a reload the history is still there", async () => {
  await page.reload();
  await launcher().click();
  await log().getByText("Yes, two left in size M.").waitFor({ timeout: DEADLINE });
  const text = await log().textContent();
  assert(text.includes("Hello! Is the gravel bike in stock?"), "own message kept");
  assert(text.indexOf("Hello!") < text.indexOf("Yes, two left"), "in order");
  const stored = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("switchboard-chat:")));
  assert(stored.length === 1, "one token in localStorage: " + stored);
});

await step("the widget reconnects after the server restarts and sends what was typed meanwhile", async () => {
  const status = page.locator(".status");
  server.child.kill("SIGKILL");
  await until("the widget notices", async () => ((await status.textContent()) || "").includes("Reconnecting"));
  await page.getByLabel("Your message").fill("Written while you were away");
  await page.keyboard.press("Enter");
  const url = server.url;
  // The old socket may hold the port for a moment: try again until it is free.
  server = await until("the server back on its port", () => startServer(new URL(url).host).catch(() => null));
  assert(server.url === url, "same address: " + server.url);
  await until("reconnected", async () => ((await status.textContent()) || "") === "");
  await until("the message reached the desk once", async () => {
    const c = await seed("get?conversation_id=" + conversation);
    return c.data.messages.filter((m) => m.text === "Written while you were away").length === 1;
  });
  await log().locator("li:not(.pending)").getByText("Written while you were away").waitFor({ timeout: DEADLINE });
});

await step("Escape closes the chat and gives the focus back to the button", async () => {
  await page.getByLabel("Your message").focus();
  await page.keyboard.press("Escape");
  await until("closed", async () => (await launcher().getAttribute("aria-expanded")) === "false");
  assert((await focusedId()) === "launcher", "focus back on the launcher: " + (await focusedId()));
});

await step("a second visitor (another browser profile) sees none of it", async () => {
  const other = await browser.newContext();
  const p = await other.newPage();
  await p.goto(page1.origin + "/");
  await p.getByRole("button", { name: /Open chat/ }).click();
  await p.getByRole("log", { name: "Messages" }).waitFor({ timeout: DEADLINE });
  // The hello has arrived once the status line is empty (connected).
  await until("connected", async () => ((await p.locator(".status").textContent()) || "") === "");
  const text = await p.getByRole("log", { name: "Messages" }).textContent();
  assert(!text.includes("gravel"), "another visitor's history is not shown: " + text);
  await other.close();
});

await step("a page on an origin the chat does not allow gets no widget", async () => {
  const p = await context.newPage();
  const lines = [];
  p.on("console", (m) => lines.push(m.text()));
  // The preflight is refused (403, no CORS headers), so the browser never sends the init.
  const failed = p.waitForEvent("requestfailed", { predicate: (r) => r.url().endsWith("/init"), timeout: DEADLINE });
  await p.goto(page2.origin + "/");
  await failed;
  const direct = await fetch(`${server.url}/api/v1/widget/${channel}/init`, {
    method: "OPTIONS",
    headers: { Origin: page2.origin, "Access-Control-Request-Method": "POST" },
  });
  assert(direct.status === 403, "the server refuses the origin: " + direct.status);
  assert(!direct.headers.get("access-control-allow-origin"), "no CORS header for it");
  await until("the widget gives up", async () => lines.some((l) => l.includes("Switchboard chat")));
  assert((await p.locator("#switchboard-chat").count()) === 0, "no widget on the page");
  await p.close();
});

await browser.close();
server.child.kill();
page1.srv.close();
page2.srv.close();
process.exit(finish());
