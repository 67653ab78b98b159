import { render, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, listed, ok, resetFakes } from "../../test/fake-bindings";
import { makeRow, makeSession } from "../../test/fixtures";
import Desk from "../desk/Desk.svelte";
import { FIRST_PAGE } from "../ipc";
import { READY_MARK, onPainted, reportReady, resetReady } from "./ready";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const rows = [makeRow({ id: 1 }), makeRow({ id: 2 }), makeRow({ id: 3 })];

describe("the start's inbox-rendered mark", () => {
  beforeEach(() => {
    resetFakes();
    resetReady();
    performance.clearMarks();
  });

  it("is reported once, after the landed tab's rows are listed, with their number", async () => {
    commands.listConversations.mockImplementation(() => listed(rows));
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(commands.uiReady).toHaveBeenCalledWith(3));
    expect(document.querySelectorAll(".conversation-row")).toHaveLength(3);
    expect(performance.getEntriesByName(READY_MARK)).toHaveLength(1);

    // Another desk in the same page (a sign-out and sign-in) is not a start.
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(commands.listConversations.mock.calls.length).toBeGreaterThan(2));
    await new Promise((r) => setTimeout(r, 50));
    expect(commands.uiReady).toHaveBeenCalledTimes(1);
  });

  it("waits for the landing tab: a My inbox that is still loading is not the first screen", async () => {
    type Answer = Awaited<ReturnType<typeof commands.listConversations>>;
    const waiting: ((v: Answer) => void)[] = [];
    commands.listConversations.mockImplementation(() => new Promise<Answer>((r) => waiting.push(r)));
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(commands.listConversations).toHaveBeenCalled());
    await new Promise((r) => setTimeout(r, 50));
    expect(commands.uiReady).not.toHaveBeenCalled();
    commands.listConversations.mockImplementation(() => listed(rows.slice(0, 1)));
    for (const answer of waiting) answer({ status: "ok", data: { rows: rows.slice(0, 1), total: 1, matching: 1 } } as Answer);
    await waitFor(() => expect(commands.uiReady).toHaveBeenCalledWith(1));
  });

  it("comes with the first screen of a long tab, which then fills in with the rest", async () => {
    const many = Array.from({ length: FIRST_PAGE * 3 }, (_, i) => makeRow({ id: i + 1, client_name: `Client ${i + 1}` }));
    type Answer = Awaited<ReturnType<typeof commands.listConversations>>;
    let rest: ((v: Answer) => void) | null = null;
    commands.listConversations.mockImplementation((_q: unknown, limit: number | null) =>
      limit === null ? new Promise<Answer>((r) => (rest = r)) : listed(many, limit),
    );
    // My inbox holds them: the desk stays on it (an empty one would send it to Unassigned).
    commands.tabCounts.mockImplementation(() => ok({ unassigned: 0, inbox: many.length, inbox_unread: 0, closed: 0, unread_total: 0 }));
    let rowsAtReady = 0;
    commands.uiReady.mockImplementation(() => {
      rowsAtReady = document.querySelectorAll(".conversation-row").length;
      return ok(null);
    });
    render(Desk, { info: makeSession(), onsignout: () => {} });
    // The first page is painted and reported with the list's whole length, while the rest is
    // still being read.
    await waitFor(() => expect(commands.uiReady).toHaveBeenCalledWith(many.length));
    expect(commands.listConversations).toHaveBeenCalledWith(expect.anything(), FIRST_PAGE);
    expect(rest).not.toBeNull();
    expect(document.querySelector(".list-pane .total")).toHaveTextContent(String(many.length));
    expect(document.querySelector('.conversation-row[data-id="1"]')).toBeInTheDocument();
    // Only the rows in view make that first screen; the margin past them comes after it.
    expect(rowsAtReady).toBeGreaterThan(0);
    await waitFor(() => expect(document.querySelectorAll(".conversation-row")).toHaveLength(rowsAtReady + 8));
    // The scrollbar covers the whole list already.
    expect(document.querySelector(".scroller .sizer")).toHaveStyle(`height: ${many.length * 80}px`);
    rest!({ status: "ok", data: { rows: many, total: many.length, matching: many.length } } as Answer);
    await waitFor(() => expect(commands.listConversations).toHaveBeenCalledTimes(2));
    expect(commands.listConversations).toHaveBeenLastCalledWith(expect.anything(), null);
    expect(document.querySelector('.conversation-row[data-id="1"]')).toBeInTheDocument();
    expect(commands.uiReady).toHaveBeenCalledTimes(1);
  });

  it("goes first after its paint: what waited for that paint to begin runs after the report", async () => {
    const order: string[] = [];
    commands.uiReady.mockImplementation(() => {
      order.push("report");
      return ok(null);
    });
    // Asked for earlier in the same frame, as the desk's deferred loads are.
    onPainted(() => {
      order.push("deferred");
    });
    reportReady(5);
    await waitFor(() => expect(order).toEqual(["report", "deferred"]));
    expect(commands.uiReady).toHaveBeenCalledWith(5);
  });
});
