// The server fixture: a temp demo database, a seed-API token, `serve` on a loopback port that
// survives a kill and restart, and a small client for the seed Conversation API.

import fs from "node:fs";
import path from "node:path";
import { env, log, logsDir, run, startProcess, waitFor } from "./util.mjs";

let pristine = null;

/** Loads the demo company once into a database that is then only copied. */
function pristineDemo() {
  pristine ??= (async () => {
    const dir = path.join(env.runDir, "pristine");
    fs.mkdirSync(dir, { recursive: true });
    const db = path.join(dir, "demo.db");
    const t = Date.now();
    const demo = await run(env.server, ["--db", db, "demo"], { timeout: 90000 });
    fs.writeFileSync(path.join(logsDir, "server-demo.log"), demo.stdout + demo.stderr);
    // The channel secret is random per database; `demo` prints it.
    const m = demo.stdout.match(/Custom app channel:\s*id\s+(\d+)\s+secret\s+(\S+)/i);
    log(`demo database ready in ${Date.now() - t} ms (custom channel ${m?.[1]})`);
    return { db, customChannelId: m ? Number(m[1]) : null, customChannelSecret: m?.[2] ?? null };
  })();
  return pristine;
}

export class TestServer {
  /**
   * `longHistory`: add a conversation with that many messages (`demo --long-history N`).
   * `args`: extra `serve` options (e.g. `--smtp-url`).
   */
  constructor(name = "server", { longHistory = 0, args = [] } = {}) {
    this.name = name;
    this.longHistory = longHistory;
    this.longConversationId = null;
    this.args = args;
    this.dir = path.join(env.runDir, name);
    this.db = path.join(this.dir, "demo.db");
    this.proc = null;
    this.port = 0;
    this.url = "";
    this.token = "";
    this.customChannelId = null;
    this.customChannelSecret = null;
    this.starts = 0;
  }

  /**
   * A copy of the demo database (the demo is loaded once per run) and a seed-API token, before
   * the first `serve`.
   */
  async prepare() {
    fs.mkdirSync(this.dir, { recursive: true });
    const demo = await pristineDemo();
    fs.copyFileSync(demo.db, this.db);
    // SQLite folds its WAL into the file when the last connection closes; copy one if it stayed.
    if (fs.existsSync(demo.db + "-wal")) fs.copyFileSync(demo.db + "-wal", this.db + "-wal");
    this.customChannelId = demo.customChannelId;
    this.customChannelSecret = demo.customChannelSecret;
    if (this.longHistory) {
      const t = Date.now();
      const long = await run(env.server, ["--db", this.db, "demo", "--long-history", String(this.longHistory)], { timeout: 120000 });
      this.longConversationId = Number(long.stdout.match(/Long history: conversation id (\d+)/)?.[1]) || null;
      if (!this.longConversationId) throw new Error(`demo --long-history printed ${JSON.stringify(long.stdout.slice(-300))}`);
      log(`${this.name}: ${this.longHistory} messages in conversation ${this.longConversationId} in ${Date.now() - t} ms`);
    }
    const tok = await run(env.server, ["--db", this.db, "token", "create", "--name", "e2e"], { timeout: 30000 });
    this.token = tok.stdout.trim();
    if (!this.token || /\s/.test(this.token)) throw new Error(`token create printed ${JSON.stringify(tok.stdout)}`);
  }

  /** Starts `serve` on port 0 the first time, then on the same port again. */
  async start() {
    const listen = `127.0.0.1:${this.port || 0}`;
    this.starts++;
    let stdout = "";
    const logFile = path.join(logsDir, `${this.name}.log`);
    fs.appendFileSync(logFile, `===== harness: serve --listen ${listen} (start ${this.starts}) =====\n`);
    const deadline = Date.now() + 15000;
    // A restart on the same port may race the old socket for a moment: retry until the deadline.
    for (;;) {
      stdout = "";
      const proc = startProcess(this.name, env.server, ["--db", this.db, "serve", "--listen", listen, ...this.args], {
        logFile,
        env: { RUST_LOG: process.env.E2E_SERVER_LOG || "info", NO_COLOR: "1" },
        onStdout: (chunk) => (stdout += chunk),
      });
      const line = await waitFor(
        `"${this.name} listening on" on stdout`,
        () => {
          if (proc.exited) return "exited";
          return stdout.match(/switchboard-server listening on (http:\/\/\S+)/)?.[1];
        },
        { timeout: Math.max(1000, deadline - Date.now()), interval: 50 },
      ).catch(async (err) => {
        await proc.stop("SIGKILL");
        throw err;
      });
      if (line !== "exited") {
        this.proc = proc;
        this.url = line.replace(/\/$/, "");
        this.port = Number(new URL(this.url).port);
        log(`${this.name} listening on ${this.url} (pid ${proc.pid})`);
        return;
      }
      if (Date.now() > deadline) throw new Error(`${this.name} exited at start (${proc.exitCode}); see logs/${this.name}.log`);
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  /** Kills the server process outright (a crash, not a shutdown). */
  async kill() {
    if (!this.proc) return;
    log(`killing ${this.name} (pid ${this.proc.pid})`);
    await this.proc.stop("SIGKILL");
    this.proc = null;
  }

  async stop() {
    if (!this.proc) return;
    await this.proc.stop("SIGTERM", 3000);
    this.proc = null;
  }

  /** Seed Conversation API call; returns the parsed JSON body, throws on a non-2xx reply. */
  async seed(method, endpoint, params = {}) {
    let url = `${this.url}/api/conversations/${endpoint}`;
    const init = { method, headers: { Authentication: this.token }, signal: AbortSignal.timeout(10000) };
    if (method === "GET") {
      const q = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
      if ([...q].length) url += `?${q}`;
    } else {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(params);
    }
    const res = await fetch(url, init);
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${endpoint} → ${res.status}: ${text.slice(0, 400)}`);
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${method} ${endpoint} → not JSON: ${text.slice(0, 400)}`);
    }
  }

  /** A client writes in through the demo's Custom app channel. */
  async inbound({ external_id, name, text }) {
    if (!this.customChannelId || !this.customChannelSecret) throw new Error("the demo printed no Custom app channel id and secret");
    const res = await fetch(`${this.url}/api/v1/channels/${this.customChannelId}/inbound`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Channel-Secret": this.customChannelSecret },
      body: JSON.stringify({ external_id, name, text }),
      signal: AbortSignal.timeout(10000),
    });
    const body = await res.text();
    if (!res.ok) throw new Error(`inbound → ${res.status}: ${body.slice(0, 400)}`);
    return body ? JSON.parse(body) : null;
  }
}
