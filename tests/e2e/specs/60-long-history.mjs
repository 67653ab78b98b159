// A very long conversation in the real app (issue 4: "a conversation with 100k messages scrolls
// smoothly; older messages load from the cache as you scroll up"). The server gets one demo
// conversation of E2E_LONG_HISTORY messages (`demo --long-history N`, numbered "#000123 of N");
// the admin signs in, the app syncs it, opens it at the newest message, and the operator scrolls
// up with the mouse wheel many times. Checked on screen: older messages appear, in order and
// without gaps; the thread keeps a bounded number of message nodes (virtualized); and what the
// operator was looking at does not jump when an older page loads above it.

import fs from "node:fs";
import path from "node:path";
import { attr, bodyText, click, Driver, exists, screenshot, settle, typeInto, visible } from "../harness/app.mjs";
import { TestServer } from "../harness/server.mjs";
import { assert, env, log, waitFor } from "../harness/util.mjs";

const ADMIN = { email: "admin@demo.test", password: "demo" };
const N = Number(process.env.E2E_LONG_HISTORY || 100000);
const MAX_NODES = 150;
const SCROLLS = 30;

/**
 * What the thread shows: the number of every rendered message in DOM order (top to bottom on
 * screen), the node count, and the topmost message fully in view with its offset from the
 * thread's top edge.
 */
function threadState(browser) {
  return browser.execute(() => {
    const thread = document.querySelector(".thread");
    if (!thread) return null;
    const box = thread.getBoundingClientRect();
    const slots = [...thread.querySelectorAll(".slot")].sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    const num = (el) => Number(el.querySelector(".message-text")?.textContent?.match(/#(\d+) of/)?.[1] ?? NaN);
    const inView = slots.filter((s) => {
      const r = s.getBoundingClientRect();
      return r.top >= box.top && r.bottom <= box.bottom && r.height > 0;
    });
    const anchor = inView[0];
    return {
      numbers: slots.map(num).filter((n) => !Number.isNaN(n)),
      nodes: thread.querySelectorAll(".message").length,
      visible: inView.map(num),
      anchor: anchor ? { n: num(anchor), top: anchor.getBoundingClientRect().top - box.top } : null,
      height: thread.clientHeight,
      scrollTop: thread.scrollTop,
      scrollHeight: thread.scrollHeight,
      loading: !!thread.querySelector(".older"),
    };
  });
}

/** One notch-series of the mouse wheel over the thread (WebDriver wheel action). */
async function wheelUp(browser, deltaY) {
  const thread = await browser.$(".thread");
  await browser.performActions([
    { type: "wheel", id: "wheel", actions: [{ type: "scroll", x: 0, y: 0, deltaX: 0, deltaY: -deltaY, duration: 0, origin: thread }] },
  ]);
  await browser.releaseActions();
}

export default {
  title: `long history (${N} messages)`,
  setupTimeout: 240000,

  async setup(ctx) {
    ctx.server = new TestServer("server-long", { longHistory: N });
    await ctx.server.prepare();
    await ctx.server.start();
    ctx.dataDir = path.join(env.runDir, "data-long");
    fs.mkdirSync(ctx.dataDir, { recursive: true });
    ctx.driver = new Driver("long", { appEnv: { SWITCHBOARD_DATA_DIR: ctx.dataDir } });
    await ctx.driver.start();
    ctx.browser = await ctx.driver.launch();
  },

  cases: [
    {
      name: `long history: sync and open a ${N}-message conversation at its newest message`,
      timeout: 150000,
      async run(ctx) {
        const { browser, server } = ctx;
        const id = server.longConversationId;
        await waitFor("the sign-in form", () => visible(browser, "#sign-in"), { timeout: 20000 });
        await typeInto(browser, "#server-url", server.url);
        await typeInto(browser, "#email", ADMIN.email);
        await typeInto(browser, "#password", ADMIN.password);
        const t0 = Date.now();
        await click(browser, "#sign-in");
        await waitFor(
          "the desk, online after the initial sync",
          async () => {
            if (await exists(browser, "#sign-in-error")) throw new Error(`sign-in error: ${(await bodyText(browser)).slice(0, 300)}`);
            return (await exists(browser, "[data-tab]")) && (await attr(browser, "#conn-state", "data-state")) === "online";
          },
          { timeout: 120000, interval: 500 },
        );
        ctx.syncMs = Date.now() - t0;
        log(`initial sync with ${N} messages in one conversation: ${ctx.syncMs} ms`);
        fs.writeFileSync(path.join(env.out, "long-history.txt"), `messages ${N}\ninitial sync ${ctx.syncMs} ms\n`);

        await click(browser, `[data-tab="inbox"]`);
        await waitFor(`conversation ${id} at the top of My inbox`, async () => Number(await attr(browser, ".conversation-row", "data-id")) === id, {
          timeout: 15000,
        });
        const t1 = Date.now();
        await click(browser, `.conversation-row[data-id="${id}"]`);
        const last = await waitFor(
          `message #${N} in view`,
          async () => {
            const s = await threadState(browser);
            return s?.visible.includes(N) ? s : null;
          },
          { timeout: 15000, interval: 100 },
        );
        log(`opened in ${Date.now() - t1} ms; ${last.nodes} message nodes; in view ${JSON.stringify(last.visible)}`);
        assert(last.nodes < MAX_NODES, `${last.nodes} message nodes rendered for the newest page`);
        await screenshot(browser, "long-newest");
        ctx.opened = true;
      },
    },
    {
      name: "long history: scrolling up loads older messages in order without jumping",
      timeout: 120000,
      async run(ctx) {
        const { browser } = ctx;
        assert(ctx.opened, "needs the conversation open (first case)");
        let state = await threadState(browser);
        const first = state.visible[0];
        let lowest = Math.min(...state.numbers);
        let maxNodes = state.nodes;
        const jumps = [];
        const t0 = Date.now();
        for (let i = 0; i < SCROLLS; i++) {
          const before = state;
          // Most of a screen per step, so the message on top stays rendered and can be followed.
          const delta = Math.round(before.height * 0.75);
          await wheelUp(browser, delta);
          // Wait until the wheel moved the thread and any older page it asked for is in.
          state = await waitFor(
            `the thread to scroll up (step ${i + 1})`,
            async () => {
              await settle(browser);
              const s = await threadState(browser);
              return s && !s.loading && s.anchor && s.anchor.n !== before.anchor.n ? s : null;
            },
            { timeout: 15000, interval: 50 },
          );
          maxNodes = Math.max(maxNodes, state.nodes);
          assert(state.nodes < MAX_NODES, `step ${i + 1}: ${state.nodes} message nodes in the DOM (not virtualized?)`);
          // On screen, top to bottom: consecutive numbers, oldest first.
          const gaps = state.numbers.filter((n, k) => k > 0 && n !== state.numbers[k - 1] + 1);
          assert(gaps.length === 0, `step ${i + 1}: messages out of order or missing: ${JSON.stringify(state.numbers)}`);
          // The message that was on top moved down by about the wheel distance, wherever the
          // older page was inserted: the reading position did not jump.
          const again = await browser.execute((n) => {
            const thread = document.querySelector(".thread");
            const slot = [...thread.querySelectorAll(".slot")].find((s) => s.querySelector(".message-text")?.textContent?.startsWith(`#${String(n).padStart(6, "0")} `));
            return slot ? slot.getBoundingClientRect().top - thread.getBoundingClientRect().top : null;
          }, before.anchor.n);
          const moved = again === null ? null : again - before.anchor.top;
          jumps.push(moved);
          assert(
            again !== null,
            `step ${i + 1}: message #${before.anchor.n}, on top before a ${delta} px wheel, is no longer rendered; in view before ${JSON.stringify(before.visible)} (scrollTop ${before.scrollTop} of ${before.scrollHeight}), after ${JSON.stringify(state.visible)} (scrollTop ${state.scrollTop} of ${state.scrollHeight})`,
          );
          assert(Math.abs(moved - delta) < 120, `step ${i + 1}: message #${before.anchor.n} moved ${moved} px for a ${delta} px wheel`);
          if (Math.min(...state.numbers) < lowest) lowest = Math.min(...state.numbers);
          if (i === Math.floor(SCROLLS / 2)) await screenshot(browser, "long-scrolling");
        }
        log(`${SCROLLS} wheel steps in ${Date.now() - t0} ms: top went from #${first} to #${state.visible[0]}; lowest rendered #${lowest}; max ${maxNodes} nodes; moves ${JSON.stringify(jumps)}`);
        assert(state.visible[0] < first - 50, `scrolling up showed little older history (#${first} → #${state.visible[0]})`);
        // The app opens with the newest 50 and loads older pages from the cache near the top.
        assert(lowest < N - 100, `older pages did not load: lowest message rendered #${lowest}`);
        await screenshot(browser, "long-scrolled-up");
      },
    },
  ],

  async teardown(ctx) {
    if (ctx.driver) {
      await ctx.driver.quit(ctx.browser).catch((e) => log(`quit: ${e.message}`));
      await ctx.driver.stop();
    }
    ctx.browser = null;
    if (ctx.server) await ctx.server.stop();
  },
};
