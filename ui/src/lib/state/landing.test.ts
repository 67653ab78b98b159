import { cleanup, fireEvent, render, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fire, listed, ok, resetFakes } from "../../test/fake-bindings";
import { makeRow, makeSession } from "../../test/fixtures";
import Desk from "../desk/Desk.svelte";
import type { ConnState, TabCounts } from "../ipc";
import { FIRST_PAGE } from "./conversations.svelte";
import { landingTab, lastTabKey, rememberedTab, rememberTab } from "./landing";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const counts = (inbox: number, unassigned = 4): TabCounts => ({ unassigned, inbox, inbox_unread: 0, closed: 2, unread_total: 0 });
const online: ConnState = { state: "online" };
const BASIC = ["unassigned", "inbox", "closed"] as const;

describe("the first tab", () => {
  it("is My inbox when work waits there, else Unassigned", () => {
    expect(landingTab(null, counts(3), online, BASIC)).toBe("inbox");
    expect(landingTab(null, counts(0), online, BASIC)).toBe("unassigned");
    expect(landingTab(null, counts(0, 0), { state: "offline", since: 1, reason: "down" }, BASIC)).toBe("unassigned");
  });

  it("waits for the counts and the end of the first sync", () => {
    expect(landingTab(null, null, online, BASIC)).toBeNull();
    expect(landingTab(null, counts(0), { state: "connecting" }, BASIC)).toBeNull();
    expect(landingTab(null, counts(0), { state: "syncing", done: 1, total: 9 }, BASIC)).toBeNull();
  });

  it("is the remembered tab when the operator still has it", () => {
    expect(landingTab("closed", counts(3), online, BASIC)).toBe("closed");
    expect(landingTab("closed", null, { state: "connecting" }, BASIC)).toBe("closed");
    // All is gone with the role that gave it: back to where work waits.
    expect(landingTab("all", counts(3), online, BASIC)).toBe("inbox");
  });

  it("is remembered per server and operator", () => {
    const anna = lastTabKey("https://a.example.com", 7);
    rememberTab(anna, "closed");
    expect(rememberedTab(anna)).toBe("closed");
    expect(rememberedTab(lastTabKey("https://a.example.com", 8))).toBeNull();
    expect(rememberedTab(lastTabKey("https://b.example.com", 7))).toBeNull();
    localStorage.setItem(anna, "nonsense");
    expect(rememberedTab(anna)).toBeNull();
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

  it("restores the tab the operator picked last", async () => {
    commands.tabCounts.mockImplementation(() => ok(counts(3)));
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(activeTab()).toBe("inbox"));
    await fireEvent.click(document.querySelector('[data-tab="closed"]') as Element);
    await waitFor(() => expect(activeTab()).toBe("closed"));
    cleanup();

    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(activeTab()).toBe("closed"));
    // Work waiting in My inbox does not override the operator's choice.
    fire("connStateChanged", { state: { state: "online" } });
    await waitFor(() => expect(commands.listConversations).toHaveBeenLastCalledWith(expect.objectContaining({ tab: "closed" }), FIRST_PAGE));
  });
});
