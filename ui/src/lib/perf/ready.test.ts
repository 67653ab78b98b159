import { render, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, resetFakes } from "../../test/fake-bindings";
import { makeRow, makeSession } from "../../test/fixtures";
import Desk from "../desk/Desk.svelte";
import { READY_MARK, resetReady } from "./ready";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const rows = [makeRow({ id: 1 }), makeRow({ id: 2 }), makeRow({ id: 3 })];

describe("the start's inbox-rendered mark", () => {
  beforeEach(() => {
    resetFakes();
    resetReady();
    performance.clearMarks();
  });

  it("is reported once, after the landed tab's rows are listed, with their number", async () => {
    commands.listConversations.mockImplementation(() => Promise.resolve({ status: "ok", data: rows }));
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
    commands.listConversations.mockImplementation(() => Promise.resolve({ status: "ok", data: rows.slice(0, 1) }));
    for (const answer of waiting) answer({ status: "ok", data: rows.slice(0, 1) } as Answer);
    await waitFor(() => expect(commands.uiReady).toHaveBeenCalledWith(1));
  });
});
