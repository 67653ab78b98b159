// Settings › Advanced › Iframe integration in headless Chromium against the real server: a
// CRM page on an allowed origin frames a conversation through the link an API token made,
// sees its messages and answers from it; the same frame on an origin that is not listed is
// refused by the browser (Content-Security-Policy: frame-ancestors).
//
//   node embed.test.mjs OUT_DIR      (run.sh passes it; a screenshot goes there)
// Env: SERVER (the binary), CHROMIUM (default /usr/bin/chromium), SCREENSHOT (also write the
// docs screenshot to this path).
import { mkdtempSync, mkdirSync, copyFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { DEADLINE, assert, cases, cli as run, startServer, until } from "./harness.mjs";

const OUT = process.argv[2] || "test-output/widget";
mkdirSync(OUT, { recursive: true });
const SERVER = process.env.SERVER;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const db = join(mkdtempSync(join(tmpdir(), "sb-embed-")), "sb.db");
const cli = (...args) => run(SERVER, db, ...args);
const { step, finish } = cases("embed");

/** A CRM page framing `src`, served on `host` (127.0.0.1 and localhost are two origins). */
async function crmPage(host) {
  const page = { src: "" };
  const srv = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><title>CRM</title><h1>Deal #42 — Tom</h1>
<iframe id="conversation" title="Conversation" src="${page.src}" width="640" height="460"></iframe>`);
  });
  await new Promise((r) => srv.listen(0, "127.0.0.1", r));
  return Object.assign(page, { srv, origin: `http://${host}:${srv.address().port}` });
}

cli("init", "--company", "Embed Co", "--email", "admin@embed.test", "--password", "pw");
const token = cli("token", "create", "--name", "crm").trim();
const [channel, secret] = cli("channel", "add", "--kind", "custom", "--name", "Shop app").trim().split("\n");
const server = await startServer(SERVER, db);
process.on("exit", () => server.child.kill());
const allowed = await crmPage("127.0.0.1");
const stranger = await crmPage("localhost");

async function api(method, path, body, headers = { Authentication: token }) {
  const resp = await fetch(server.url + path, {
    method,
    headers: { ...headers, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await resp.json();
  if (!resp.ok) throw new Error(`${method} ${path}: ${resp.status} ${JSON.stringify(json)}`);
  return json;
}

const inbound = await api("POST", `/api/v1/channels/${channel}/inbound`,
  { external_id: "tom-1", name: "Tom", text: "Is my order shipped?" }, { "X-Channel-Secret": secret });
const conv = inbound.conversation_id;
await api("PUT", "/api/v1/settings/iframe", { enabled: true, origins: [allowed.origin], link_minutes: 30 });
await api("POST", `/api/conversations/start?conversation_id=${conv}`);
const { path } = await api("POST", `/api/v1/conversations/${conv}/embed`);
allowed.src = stranger.src = server.url + path;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
const context = await browser.newContext({ viewport: { width: 760, height: 600 } });

await step("a CRM page on an allowed origin shows the conversation and answers from it", async () => {
  const page = await context.newPage();
  await page.goto(allowed.origin + "/");
  const frame = page.frameLocator("#conversation");
  await frame.getByText("Is my order shipped?").waitFor({ timeout: DEADLINE });
  assert((await frame.locator("#client").textContent()) === "Tom", "the client's name in the header");
  await frame.getByLabel("Answer").fill("Yes, it left this morning.");
  await frame.getByRole("button", { name: "Send" }).click();
  await frame.getByText("Yes, it left this morning.").waitFor({ timeout: DEADLINE });
  const stored = await until("the answer on the server", async () => {
    const c = await api("GET", `/api/conversations/get?conversation_id=${conv}`);
    return c.data.messages.find((m) => m.text === "Yes, it left this morning.");
  });
  assert(stored.kind === "operator", "stored as an operator answer: " + JSON.stringify(stored));
  await page.screenshot({ path: join(OUT, "embed-crm.png") });
  if (process.env.SCREENSHOT) copyFileSync(join(OUT, "embed-crm.png"), process.env.SCREENSHOT);
  await page.close();
});

await step("a page on an origin that is not listed cannot frame it", async () => {
  const page = await context.newPage();
  const blocked = page.waitForEvent("console", {
    predicate: (m) => m.text().includes("frame-ancestors"),
    timeout: DEADLINE,
  });
  await page.goto(stranger.origin + "/");
  await blocked;
  const frame = page.frames().find((f) => f !== page.mainFrame());
  assert(frame, "the iframe is there");
  assert((await frame.$("#thread")) === null, "the conversation did not load in it");
  await page.close();
});

await browser.close();
server.child.kill();
allowed.srv.close();
stranger.srv.close();
process.exit(finish());
