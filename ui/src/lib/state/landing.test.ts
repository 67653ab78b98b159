import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fire, listed, ok, resetFakes } from "../../test/fake-bindings";
import { makeFirstScreen, makeRow, makeSession } from "../../test/fixtures";
import Desk from "../desk/Desk.svelte";
import type { ConnState, TabCounts } from "../ipc";
import { landingTab } from "./landing";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const counts = (inbox: number, unassigned = 4): TabCounts => ({ unassigned, inbox, inbox_unread: 0, closed: 2, unread_total: 0 });
const online: ConnState = { state: "online" };

describe("where work waits", () => {
  it("is My inbox when work waits there, else Unassigned", () => {
    expect(landingTab(counts(3), online)).toBe("inbox");
    expect(landingTab(counts(0), online)).toBe("unassigned");
    expect(landingTab(counts(0, 0), { state: "offline", since: 1, reason: "down" })).toBe("unassigned");
  });

  it("waits for the counts and the end of the first sync", () => {
    expect(landingTab(null, online)).toBeNull();
    expect(landingTab(counts(0), { state: "connecting" })).toBeNull();
    expect(landingTab(counts(0), { state: "syncing", done: 1, total: 9 })).toBeNull();
  });
});

describe("the desk's landing", () => {
  beforeEach(resetFakes);

  const activeTab = () => document.querySelector('[aria-current="page"][data-tab]')?.getAttribute("data-tab");

  it("opens Unassigned when My inbox is empty, once the first sync is done", async () => {
    commands.connState.mockImplementation(() => ok({ state: "syncing", done: 0, total: 10 }));
    commands.tabCounts.mockImplementation(() => ok(counts(0)));
    commands.listConversations.mockImplementation(() => listed([makeRow({ id: 1 })]));
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(commands.tabCounts).toHaveBeenCalled());
    expect(activeTab()).toBe("inbox");
    fire("connStateChanged", { state: { state: "online" } });
    await waitFor(() => expect(activeTab()).toBe("unassigned"));
  });

  it("remembers the tab the operator picks, and lands on the tab the shell hands over", async () => {
    commands.tabCounts.mockImplementation(() => ok(counts(3)));
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(activeTab()).toBe("inbox"));
    await fireEvent.click(document.querySelector('[data-tab="closed"]') as Element);
    await waitFor(() => expect(activeTab()).toBe("closed"));
    expect(commands.rememberTab).toHaveBeenLastCalledWith("closed");
    cleanup();

    const closed = [makeRow({ id: 5, status: "closed" })];
    render(Desk, { info: makeSession(), first: makeFirstScreen("closed", closed), onsignout: () => {} });
    expect(activeTab()).toBe("closed");
    expect(document.querySelectorAll(".conversation-row")).toHaveLength(1);
    // Work waiting in My inbox does not override the operator's choice.
    fire("connStateChanged", { state: { state: "online" } });
    await waitFor(() => expect(commands.tabCounts).toHaveBeenCalled());
    expect(activeTab()).toBe("closed");
  });
});
