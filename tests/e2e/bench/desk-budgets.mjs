// The desk budgets of `./dev.sh bench` (6 cold start, 7 idle memory, 8 notification latency,
// 9 scroll), measured on the RELEASE app with the e2e harness's session (Xvfb, private D-Bus,
// throwaway GNOME Keyring, dunst: run.sh + session.sh). Not an e2e spec: crates/bench
// (src/release_app.rs) seeds and serves the company, runs this folder through run.sh with
// E2E_SPECS_DIR, and turns what it writes (OUT/desk-bench.json) into the rows of its table.
//
// Inputs (environment): SB_BENCH_SERVER_URL, SB_BENCH_CHANNEL_ID / SB_BENCH_CHANNEL_SECRET (the
// Custom app channel inbound endpoint), SB_BENCH_LONG_ID (the long thread's conversation),
// SB_BENCH_CONVERSATIONS (how many the server holds), SB_BENCH_BLANK (the blank Tauri window),
// SB_BENCH_RUNS (cold starts of each binary), SB_BENCH_NOTIFY (messages timed),
// SB_BENCH_IDLE_MS (when idle memory is read).

import fs from "node:fs";
import path from "node:path";
import { attr, click, count, Driver, exists, screenshot, signIn, visible } from "../harness/app.mjs";
import { NotifyMonitor } from "../harness/notify.mjs";
import { assert, env, log, logsDir, sleep, startProcess, waitFor } from "../harness/util.mjs";

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (crates/bench runs this folder)`);
  return v;
};
const cfg = {
  url: need("SB_BENCH_SERVER_URL"),
  channelId: need("SB_BENCH_CHANNEL_ID"),
  channelSecret: need("SB_BENCH_CHANNEL_SECRET"),
  longId: Number(need("SB_BENCH_LONG_ID")),
  conversations: Number(need("SB_BENCH_CONVERSATIONS")),
  blank: need("SB_BENCH_BLANK"),
  runs: Number(process.env.SB_BENCH_RUNS || 5),
  notify: Number(process.env.SB_BENCH_NOTIFY || 100),
  idleMs: Number(process.env.SB_BENCH_IDLE_MS || 30000),
};
const ADMIN = { email: "admin@demo.test", password: "demo" };
const RESULT = path.join(env.out, "desk-bench.json");
const dataDir = path.join(env.runDir, "data-bench");
/** What the UI logs once its first list is painted (src-tauri/commands/ready.rs), and what
 * the blank window prints for its page. */
const READY = /inbox rendered rows=(\d+)|page rendered rows=(\d+)/;

/** Merges `part` into the result file (each case writes its own, so a failed case loses only
 * its own numbers). */
function record(part) {
  let all = {};
  try {
    all = JSON.parse(fs.readFileSync(RESULT, "utf8"));
  } catch {}
  fs.writeFileSync(RESULT, JSON.stringify({ ...all, ...part }, null, 2) + "\n");
}

/** Every process under `root` (itself included), from the parent links in /proc. */
function tree(root) {
  const children = new Map();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, "utf8");
      const [comm, rest] = [stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), stat.slice(stat.lastIndexOf(")") + 2)];
      const ppid = Number(rest.split(" ")[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push({ pid: Number(d), comm });
    } catch {}
  }
  const out = [];
  const walk = (pid, comm) => {
    out.push({ pid, comm });
    for (const c of children.get(pid) ?? []) walk(c.pid, c.comm);
  };
  walk(root, fs.readFileSync(`/proc/${root}/comm`, "utf8").trim());
  return out;
}

/** PSS (kB, /proc/PID/smaps_rollup) of each process of the tree. */
function pss(root) {
  return tree(root).map(({ pid, comm }) => {
    let kb = 0;
    try {
      kb = Number(fs.readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").match(/^Pss:\s+(\d+) kB/m)?.[1] ?? 0);
    } catch {}
    return { pid, comm, pss_kb: kb };
  });
}

/**
 * Starts `bin` straight (no WebDriver: automation is not what operators run), signed in from
 * the keyring for the app, and resolves with the milliseconds from spawn to the ready line.
 */
function launch(name, bin) {
  let err = "";
  let ready = null;
  const t0 = performance.now();
  const proc = startProcess(name, bin, [], {
    logFile: path.join(logsDir, `${name}.log`),
    env: { SWITCHBOARD_DATA_DIR: dataDir, RUST_LOG: "info,tao=warn,wry=warn", NO_COLOR: "1" },
    onStderr: (chunk) => {
      if (ready) return;
      err += chunk;
      const m = err.match(READY);
      if (m) ready = { ms: performance.now() - t0, rows: Number(m[1] ?? m[2]) };
      else err = err.slice(-400);
    },
  });
  const readyAt = waitFor(`${name}: the ready line`, () => {
    if (proc.exited) throw new Error(`${name} exited (${proc.exitCode ?? proc.exitSignal}); see logs/${name}.log`);
    return ready;
  }, { timeout: 60000, interval: 5 });
  return { proc, t0, readyAt };
}

/** A copy of `xs` in ascending order. */
const ascending = (xs) => [...xs].sort((a, b) => a - b);

const median = (xs) => {
  const s = ascending(xs);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : null;
};

/** The 99th percentile of the ascending `s` (the nearest rank below). */
const p99 = (s) => s[Math.floor((s.length - 1) * 0.99)];

async function post(i, text) {
  const res = await fetch(`${cfg.url}/api/v1/channels/${cfg.channelId}/inbound`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Channel-Secret": cfg.channelSecret },
    body: JSON.stringify({ external_id: `bench-notify-${i}`, name: `Notify Probe ${i}`, text }),
    signal: AbortSignal.timeout(10000),
  });
  if (!res.ok) throw new Error(`inbound → ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

export default {
  title: "desk budgets (release app)",
  async setup(ctx) {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.rmSync(RESULT, { force: true });
    ctx.driver = new Driver("bench", { appEnv: { SWITCHBOARD_DATA_DIR: dataDir } });
    await ctx.driver.start();
  },
  cases: [
    {
      name: "desk budgets: sign in, sync the company, open Unassigned",
      timeout: 600000,
      async run(ctx) {
        const browser = (ctx.browser = await ctx.driver.launch());
        const t0 = Date.now();
        await signIn(browser, cfg.url, ADMIN);
        await waitFor(
          "the desk, online after the initial sync",
          async () => (await exists(browser, "[data-tab]")) && (await attr(browser, "#conn-state", "data-state")) === "online",
          { timeout: 540000, interval: 1000 },
        );
        const syncMs = Date.now() - t0;
        // The tab the operator picks is remembered: every later start lands on the list of all
        // the company's conversations (the heaviest first screen), not on a short My inbox.
        await click(browser, `[data-tab="unassigned"]`);
        await waitFor("Unassigned listed", async () => (await attr(browser, `[data-tab="unassigned"]`, "aria-current")) === "page");
        await waitFor("rows in Unassigned", () => exists(browser, ".conversation-row"));
        await screenshot(browser, "bench-signed-in");
        log(`signed in and synced ${cfg.conversations} conversations in ${syncMs} ms`);
        record({ sync_ms: syncMs });
        await ctx.driver.quit(ctx.browser);
        ctx.browser = null;
      },
    },
    {
      name: "desk budgets: cold start and idle memory, app vs blank window",
      timeout: 900000,
      async run() {
        const starts = { app: [], blank: [] };
        const rows = { app: null, blank: null };
        const memory = {};
        const bins = { app: env.app, blank: cfg.blank };
        // Alternating, so drifts of the shared machine fall on both alike; the first pair warms
        // the page cache and is not counted; the last pair stays up for the idle memory.
        for (let run = 0; run <= cfg.runs; run++) {
          for (const which of ["blank", "app"]) {
            const name = `${which}-${run}`;
            const { proc, t0, readyAt } = launch(name, bins[which]);
            try {
              const ready = await readyAt;
              if (run > 0) starts[which].push(ready.ms);
              rows[which] = ready.rows;
              log(`${name}: ready in ${ready.ms.toFixed(0)} ms (${ready.rows} rows)`);
              if (run === cfg.runs) {
                await sleep(Math.max(0, cfg.idleMs - (performance.now() - t0)));
                const procs = pss(proc.pid);
                memory[which] = { pss_kb: procs.reduce((a, p) => a + p.pss_kb, 0), processes: procs };
                log(`${name}: PSS ${memory[which].pss_kb} kB after ${cfg.idleMs} ms: ${procs.map((p) => `${p.comm} ${p.pss_kb}`).join(", ")}`);
              }
            } finally {
              await proc.stop("SIGTERM", 5000);
            }
          }
        }
        assert(rows.app >= cfg.conversations, `the app's first list had ${rows.app} rows, not the ${cfg.conversations} cached conversations`);
        record({
          cold_start: { app_ms: starts.app, blank_ms: starts.blank, app_median_ms: median(starts.app), blank_median_ms: median(starts.blank), app_rows: rows.app },
          memory: { idle_ms: cfg.idleMs, ...memory },
        });
      },
    },
    {
      name: "desk budgets: notification latency, inbound POST → Notify on D-Bus",
      timeout: 300000,
      async run() {
        const monitor = new NotifyMonitor();
        monitor.start("dbus-monitor-bench");
        await sleep(300); // dbus-monitor subscribes before the first call it must see
        const { proc, readyAt } = launch("app-notify", env.app);
        try {
          await readyAt;
          const nonce = Date.now().toString(36);
          // Warm-up: the app connects and catches up first; this one is not timed.
          await post("warm", `warm-up ${nonce}`);
          await monitor.waitText(`warm-up ${nonce}`, 60000);
          const latencies = [];
          let lost = 0;
          for (let i = 0; i < cfg.notify; i++) {
            const text = `probe ${i} ${nonce}`;
            const sent = Date.now();
            await post(i, text);
            try {
              const call = await monitor.waitText(text, 10000);
              latencies.push(call.time - sent);
            } catch {
              lost++;
            }
          }
          log(`notify: ${latencies.length} timed, ${lost} lost; max ${Math.max(...latencies).toFixed(1)} ms`);
          record({ notify: { latencies_ms: latencies, lost } });
        } finally {
          await proc.stop("SIGTERM", 5000);
          await monitor.proc.stop();
        }
      },
    },
    {
      name: "desk budgets: scroll a long thread (DOM nodes, long tasks)",
      timeout: 300000,
      async run(ctx) {
        const browser = (ctx.browser = await ctx.driver.launch());
        await waitFor("the desk", () => exists(browser, "[data-tab]"), { timeout: 60000 });
        // Where this start's time went, as the page saw it (ms since navigation start): the
        // steps the UI marks (ui/src/lib/perf/ready.ts `markStep`).
        await waitFor("the ready mark", () => browser.execute(() => performance.getEntriesByName("switchboard:inbox-ready").length > 0), {
          timeout: 30000,
        });
        const start = await browser.execute(() => ({
          timeOrigin: performance.timeOrigin,
          domContentLoaded: Math.round(performance.getEntriesByType("navigation")[0]?.domContentLoadedEventEnd ?? 0),
          marks: performance
            .getEntriesByType("mark")
            .filter((m) => m.name.startsWith("switchboard:"))
            .map((m) => `${m.name.slice(12)} ${Math.round(m.startTime)}${m.detail ? " " + JSON.stringify(m.detail) : ""}`),
        }));
        log(`start as the page saw it: ${JSON.stringify(start)}`);
        record({ page_start: start });
        await click(browser, `[data-tab="inbox"]`);
        const row = `.conversation-row[data-id="${cfg.longId}"]`;
        await waitFor(`conversation ${cfg.longId} in My inbox`, () => exists(browser, row), { timeout: 30000 });
        await click(browser, row);
        await waitFor("the long thread's newest messages", async () => (await count(browser, ".thread .message")) > 0 && !(await visible(browser, ".thread .older")), {
          timeout: 30000,
        });
        await browser.setTimeout({ script: 120000 });
        // Long tasks without the API: a chain of zero-delay timeouts (4 ms apart once nested)
        // runs whenever the page's thread is free, so a gap in it is a task, or a rendering
        // update (style, layout, paint), that held the thread; the wait for the next frame,
        // which widens a frame gap, leaves the chain running. `stop()` gives the gaps.
        await browser.execute(() => {
          globalThis.sbTaskProbe = () => {
            const gaps = [];
            let running = true;
            let tick = performance.now();
            const next = () => {
              const t = performance.now();
              gaps.push(t - tick);
              tick = t;
              if (running) setTimeout(next, 0);
            };
            setTimeout(next, 0);
            return {
              stop() {
                running = false;
                return gaps;
              },
            };
          };
        });
        const scroll = await browser.executeAsync((durationMs, step, done) => {
          const thread = document.querySelector(".thread");
          const types = globalThis.PerformanceObserver?.supportedEntryTypes ?? [];
          const longtask = types.includes("longtask");
          const longtasks = [];
          let observer = null;
          if (longtask) {
            observer = new PerformanceObserver((list) => longtasks.push(...list.getEntries().map((e) => e.duration)));
            observer.observe({ type: "longtask" });
          }
          const number = () => {
            const box = thread.getBoundingClientRect();
            const first = [...thread.querySelectorAll(".message")].find((m) => m.getBoundingClientRect().bottom > box.top);
            return Number(first?.textContent?.match(/#(\d+) of/)?.[1] ?? NaN);
          };
          const from = number();
          let probe = null;
          const gaps = [];
          let maxNodes = thread.querySelectorAll("*").length;
          let last = 0;
          let start = 0;
          // The frame's script before its callbacks: the scroll events of the frame and the
          // DOM updates they caused (layout and paint come after the callbacks).
          const scripts = [];
          const frame = (now) => {
            scripts.push(performance.now() - now);
            gaps.push(now - last);
            last = now;
            maxNodes = Math.max(maxNodes, thread.querySelectorAll("*").length);
            thread.scrollTop = Math.max(0, thread.scrollTop - step);
            if (now - start < durationMs) requestAnimationFrame(frame);
            else {
              observer?.disconnect();
              done({ longtask, longtasks, gaps, scripts, idleGaps, maxNodes, from, to: number(), types, tasks: probe.stop() });
            }
          };
          // First a second of frames with nothing to do: what this display gives at best.
          const idle = [];
          let prev = 0;
          const idleFrame = (now) => {
            if (prev) idle.push(now - prev);
            prev = now;
            if (idle.length < 60) requestAnimationFrame(idleFrame);
            else {
              last = start = now;
              idleGaps = idle;
              probe = globalThis.sbTaskProbe();
              requestAnimationFrame(frame);
            }
          };
          let idleGaps = [];
          requestAnimationFrame(idleFrame);
        }, 15000, 120);
        // The same scroll over the same pixels with none of our code: the thread's rendered
        // messages copied as static HTML, 2,000 of them in normal flow, in a box of the
        // thread's size and style over it. What this display and WebKit's software
        // rendering cost per frame at 120 px a frame, whatever the page does.
        const still = await browser.executeAsync((durationMs, step, done) => {
          const thread = document.querySelector(".thread");
          const box = thread.getBoundingClientRect();
          const copy = document.createElement("div");
          copy.className = thread.className;
          Object.assign(copy.style, {
            position: "fixed", left: `${box.left}px`, top: `${box.top}px`, width: `${box.width}px`,
            height: `${box.height}px`, zIndex: "1000", overflowY: "auto", display: "block",
          });
          const slots = [...thread.querySelectorAll(".slot")].map((s) => s.innerHTML);
          copy.innerHTML = Array.from({ length: 2000 }, (_, i) => `<div style="padding: 0 24px">${slots[i % slots.length]}</div>`).join("");
          document.body.appendChild(copy);
          copy.scrollTop = copy.scrollHeight;
          const gaps = [];
          let probe = null;
          let last = 0;
          let start = 0;
          const frame = (now) => {
            if (last) gaps.push(now - last);
            else {
              start = now;
              probe = globalThis.sbTaskProbe();
            }
            last = now;
            copy.scrollTop = Math.max(0, copy.scrollTop - step);
            if (now - start < durationMs) requestAnimationFrame(frame);
            else {
              copy.remove();
              done({ gaps, tasks: probe.stop() });
            }
          };
          requestAnimationFrame(frame);
        }, 5000, 120);
        const [stillSorted, sorted, idle] = [still.gaps, scroll.gaps, scroll.idleGaps].map(ascending);
        const summary = {
          idle_median_gap_ms: idle[Math.floor(idle.length / 2)],
          idle_max_gap_ms: idle.at(-1),
          frames: scroll.gaps.length,
          max_gap_ms: sorted.at(-1),
          p99_gap_ms: p99(sorted),
          gaps_over_50ms: scroll.gaps.filter((g) => g > 50).length,
          static_frames: still.gaps.length,
          static_median_gap_ms: stillSorted[Math.floor(stillSorted.length / 2)],
          static_max_gap_ms: stillSorted.at(-1),
          static_gaps_over_50ms: still.gaps.filter((g) => g > 50).length,
          static_longest_task_ms: Math.round(Math.max(...still.tasks)),
          longest_task_ms: Math.round(Math.max(...scroll.tasks)),
          tasks_over_50ms: scroll.tasks.filter((t) => t > 50).length,
          task_probes: scroll.tasks.length,
          max_script_before_frame_ms: Math.max(...scroll.scripts),
          p99_script_before_frame_ms: p99(ascending(scroll.scripts)),
          max_nodes: scroll.maxNodes,
          longtask_supported: scroll.longtask,
          longtasks_ms: scroll.longtasks,
          entry_types: scroll.types,
          from_message: scroll.from,
          to_message: scroll.to,
        };
        log(`scroll: ${JSON.stringify({ ...summary, longtasks_ms: summary.longtasks_ms.length })}`);
        await screenshot(browser, "bench-scrolled");
        record({ scroll: summary });
      },
    },
  ],
  async teardown(ctx) {
    if (ctx.driver) {
      await ctx.driver.quit(ctx.browser).catch(() => {});
      await ctx.driver.stop();
    }
  },
};
