import { render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, listed, resetFakes } from "../../test/fake-bindings";
import { makeRow, makeSession } from "../../test/fixtures";
import { lastTabKey, rememberTab } from "../state/landing";
import Desk from "./Desk.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

type Answer = Awaited<ReturnType<typeof commands.listConversations>>;
const rows = [makeRow({ id: 1 }), makeRow({ id: 2 })];

/** The list's answers wait until the test lets them through. */
function holdLists(): () => void {
  const waiting: (() => void)[] = [];
  commands.listConversations.mockImplementation(
    (_q: unknown, limit: number | null) => new Promise<Answer>((r) => waiting.push(() => void listed(rows, limit).then(r))),
  );
  return () => {
    commands.listConversations.mockImplementation((_q: unknown, limit: number | null) => listed(rows, limit));
    for (const answer of waiting.splice(0)) answer();
  };
}

const tabsShown = () => document.querySelectorAll("[data-tab]").length;

describe("the desk's first frame", () => {
  beforeEach(resetFakes);

  it("is drawn with the remembered tab's rows, the splash staying until they are there", async () => {
    const info = makeSession();
    rememberTab(lastTabKey(info.server_url, info.me.operator.id), "closed");
    const release = holdLists();
    render(Desk, { info, onsignout: () => {} });
    await waitFor(() => expect(commands.listConversations).toHaveBeenCalled());
    expect(screen.getByRole("status")).toHaveTextContent("Opening Switchboard…");
    expect(tabsShown()).toBe(0);

    // Every element of the desk that appears comes with the rows: no frame without them.
    let shellWithoutRows = false;
    const watch = new MutationObserver(() => {
      if (tabsShown() > 0 && document.querySelectorAll(".conversation-row").length === 0) shellWithoutRows = true;
    });
    watch.observe(document.body, { childList: true, subtree: true });
    release();
    await waitFor(() => expect(document.querySelectorAll(".conversation-row")).toHaveLength(2));
    watch.disconnect();
    expect(shellWithoutRows).toBe(false);
    expect(document.querySelector('[data-tab="closed"]')).toHaveAttribute("aria-current", "page");
    expect(screen.queryByText("Opening Switchboard…")).not.toBeInTheDocument();
  });

  it("is drawn at once when no tab is remembered: the landing waits for counts and the sync", async () => {
    holdLists();
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(tabsShown()).toBeGreaterThan(0));
    expect(document.querySelectorAll(".conversation-row")).toHaveLength(0);
    expect(screen.queryByText("Opening Switchboard…")).not.toBeInTheDocument();
  });

  it("is not held for a list that does not answer", async () => {
    const info = makeSession();
    rememberTab(lastTabKey(info.server_url, info.me.operator.id), "unassigned");
    holdLists();
    render(Desk, { info, onsignout: () => {} });
    expect(screen.getByText("Opening Switchboard…")).toBeInTheDocument();
    // The hold ends by itself (DeskState's HOLD_AT_MOST_MS, one second).
    await waitFor(() => expect(tabsShown()).toBeGreaterThan(0), { timeout: 5000 });
    expect(screen.queryByText("Opening Switchboard…")).not.toBeInTheDocument();
  });
});
