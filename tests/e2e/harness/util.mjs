// Small helpers shared by the harness: deadlines, processes the harness started, files.

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

export const env = {
  out: process.env.SB_E2E_OUT,
  runDir: process.env.SB_E2E_RUN_DIR,
  app: process.env.SB_E2E_APP,
  server: process.env.SB_E2E_SERVER,
  here: process.env.SB_E2E_HERE,
  only: process.env.E2E_ONLY || "",
};
for (const [k, v] of Object.entries(env)) {
  if (v === undefined) throw new Error(`harness: ${k} is not set (run tests/e2e/run.sh)`);
}
export const logsDir = path.join(env.out, "logs");

// Progress goes to the terminal through fd 3 when run.sh provides it (stderr then carries the
// noise of D-Bus, portals and WebKit into logs/session.log), and always to logs/run.log.
const progressFd = (() => {
  try {
    fs.fstatSync(3);
    return 3;
  } catch {
    return 2;
  }
})();
const t0 = Date.now();
export function log(...args) {
  const s = ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
  const line = `[${s}s] ${args.map((a) => (typeof a === "string" ? a : String(a))).join(" ")}\n`;
  fs.writeSync(progressFd, line);
  fs.appendFileSync(path.join(env.out, "logs", "run.log"), line);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `fn` until it returns a truthy value, and returns it. Throws after `timeout` ms with
 * what was awaited and the last value or error seen, so a failure says what the app showed.
 */
export async function waitFor(what, fn, { timeout = 15000, interval = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  let lastErr;
  for (;;) {
    try {
      last = await fn();
      lastErr = undefined;
      if (last) return last;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > deadline) {
      const seen = lastErr ? `last error: ${lastErr.message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeout} ms waiting for ${what} (${seen})`);
    }
    await sleep(interval);
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Rejects when `promise` does not settle within `ms`. */
export function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: over its ${ms / 1000} s deadline`)), ms);
    }),
  ]);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Every long-running process the harness starts, so that each can be ended by its own id.
const started = new Set();

/**
 * Starts a process in its own process group with stdout/stderr appended to `logFile` (and
 * handed to `onStdout` / `onStderr` as they come, when given).
 * `stop()` ends that group (the process and what it spawned, e.g. tauri-driver →
 * WebKitWebDriver → app) and waits for the process to exit.
 */
export function startProcess(name, cmd, args, { env: extraEnv = {}, logFile, onStdout, onStderr } = {}) {
  const fd = fs.openSync(logFile, "a");
  const child = spawn(cmd, args, {
    env: { ...process.env, ...extraEnv },
    stdio: ["ignore", onStdout ? "pipe" : fd, onStderr ? "pipe" : fd],
    detached: true,
  });
  fs.closeSync(fd);
  const proc = {
    name,
    child,
    pid: child.pid,
    exited: false,
    exitCode: null,
    exitSignal: null,
  };
  proc.exit = new Promise((resolve) => {
    child.on("exit", (code, signal) => {
      proc.exited = true;
      proc.exitCode = code;
      proc.exitSignal = signal;
      started.delete(proc);
      resolve();
    });
    child.on("error", (err) => {
      fs.appendFileSync(logFile, `harness: could not start ${cmd}: ${err.message}\n`);
      proc.exited = true;
      started.delete(proc);
      resolve();
    });
  });
  for (const [stream, on] of [
    [child.stdout, onStdout],
    [child.stderr, onStderr],
  ]) {
    if (!on) continue;
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      fs.appendFileSync(logFile, chunk);
      on(chunk);
    });
  }
  proc.signal = (sig) => {
    if (proc.exited) return;
    try {
      process.kill(-proc.pid, sig);
    } catch {
      try {
        process.kill(proc.pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  proc.stop = async (sig = "SIGTERM", graceMs = 3000) => {
    if (proc.exited) return;
    proc.signal(sig);
    await Promise.race([proc.exit, sleep(graceMs)]);
    if (!proc.exited) {
      proc.signal("SIGKILL");
      await Promise.race([proc.exit, sleep(2000)]);
    }
  };
  started.add(proc);
  return proc;
}

export async function stopAll() {
  await Promise.all([...started].map((p) => p.stop()));
}

/** Runs a short command to completion; rejects on a non-zero exit or after `timeout` ms. */
export function run(cmd, args, { timeout = 60000, env: extraEnv = {}, input } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...extraEnv } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${cmd} ${args.join(" ")}: no exit after ${timeout} ms`));
    }, timeout);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (code === 0) resolve({ stdout, stderr });
      else reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${(stderr || stdout).trim().slice(-800)}`));
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

export function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.startsWith("Z");
  } catch {
    return false;
  }
}

/** Every regular file under `dir` (recursively); missing dirs give nothing. */
export function listFiles(dir) {
  const out = [];
  const walk = (d) => {
    let entries;
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Files under `paths` (files or dirs) whose bytes contain `needle`. */
export function filesContaining(paths, needle) {
  const bytes = Buffer.from(needle, "utf8");
  const hits = [];
  let scanned = 0;
  for (const p of paths) {
    const files = fs.existsSync(p) && fs.statSync(p).isDirectory() ? listFiles(p) : [p];
    for (const f of files) {
      let buf;
      try {
        buf = fs.readFileSync(f);
      } catch {
        continue;
      }
      scanned++;
      if (buf.indexOf(bytes) !== -1) hits.push(f);
    }
  }
  return { hits, scanned };
}

export function slug(s) {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
