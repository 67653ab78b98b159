import { render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, listed, resetFakes } from "../../test/fake-bindings";
import { makeFirstScreen, makeRow, makeSession } from "../../test/fixtures";
import Desk from "./Desk.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

type Answer = Awaited<ReturnType<typeof commands.listConversations>>;
const rows = [1, 2, 3, 4, 5].map((id) => makeRow({ id, client_name: `Client ${id}` }));

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
const rowsShown = () => document.querySelectorAll(".conversation-row").length;
/** What the shell hands over with a restored session: the tab chosen last, its first rows. */
const firstScreen = (n: number) => makeFirstScreen("closed", rows.slice(0, n), rows.length);

describe("the desk's first frame", () => {
  beforeEach(resetFakes);

  it("is drawn with the first screen's rows, asking the shell for no list first", async () => {
    // Every element of the desk that appears comes with the rows: no frame without them.
    let shellWithoutRows = false;
    const watch = new MutationObserver(() => {
      if (tabsShown() > 0 && rowsShown() === 0) shellWithoutRows = true;
    });
    watch.observe(document.body, { childList: true, subtree: true });
    const release = holdLists();
    render(Desk, { info: makeSession(), first: firstScreen(2), onsignout: () => {} });
    expect(rowsShown()).toBe(2);
    expect(document.querySelector('[data-tab="closed"]')).toHaveAttribute("aria-current", "page");
    expect(commands.listConversations).not.toHaveBeenCalled();
    expect(commands.tabCounts).not.toHaveBeenCalled();
    expect(document.querySelector('[data-tab="inbox"]')).toHaveTextContent("3");
    watch.disconnect();
    expect(shellWithoutRows).toBe(false);

    // The rest of the list is read once those rows are painted.
    await waitFor(() => expect(commands.listConversations).toHaveBeenCalledWith(expect.objectContaining({ tab: "closed" }), null));
    release();
    await waitFor(() => expect(rowsShown()).toBe(5));
  });

  it("is read again once painted: sync may have changed it before the desk listened", async () => {
    const changed = [makeRow({ id: 9, client_name: "Arrived Meanwhile" }), ...rows];
    commands.listConversations.mockImplementation((_q: unknown, limit: number | null) => listed(changed, limit));
    render(Desk, { info: makeSession(), first: firstScreen(5), onsignout: () => {} });
    expect(rowsShown()).toBe(5);
    await waitFor(() => expect(screen.getByText("Arrived Meanwhile")).toBeInTheDocument());
    expect(commands.tabCounts).toHaveBeenCalled();
  });

  it("is drawn at once when no tab is remembered: the landing waits for counts and the sync", async () => {
    holdLists();
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(tabsShown()).toBeGreaterThan(0));
    expect(rowsShown()).toBe(0);
    expect(screen.queryByText("Opening Switchboard…")).not.toBeInTheDocument();
  });
});
