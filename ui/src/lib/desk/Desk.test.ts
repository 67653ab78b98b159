import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fire, listed, ok, resetFakes } from "../../test/fake-bindings";
import { makeMessage, makeRow, makeSession, makeView } from "../../test/fixtures";
import type { ConversationRow } from "../ipc";
import { FIRST_PAGE } from "../ipc";
import Desk from "./Desk.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const rows: ConversationRow[] = [
  makeRow({ id: 1, client_name: "Olivia Smith" }),
  makeRow({ id: 2, client_name: "Liam Brown" }),
  makeRow({ id: 3, client_name: "Emma Müller" }),
];

function viewOf(id: number) {
  const row = rows.find((r) => r.id === id) ?? makeRow({ id });
  return makeView({
    row,
    messages: [makeMessage({ id: id * 10, text: `First message of ${row.client_name}` })],
  });
}

async function renderDesk() {
  commands.listConversations.mockImplementation((_q: unknown, limit: number | null) => listed(rows, limit));
  commands.tabCounts.mockImplementation(() => ok({ unassigned: 5, inbox: 3, inbox_unread: 1, closed: 9, unread_total: 2 }));
  commands.openConversation.mockImplementation((id: number) => ok(viewOf(id)));
  render(Desk, { info: makeSession(), onsignout: () => {} });
  await waitFor(() => expect(document.querySelectorAll(".conversation-row")).toHaveLength(3));
}

describe("Desk", () => {
  beforeEach(resetFakes);

  it("counts every match of a tab past the list's cap and says the list stops at the newest", async () => {
    commands.listConversations.mockImplementation(() => ok({ rows, total: rows.length, matching: 10_440 }));
    render(Desk, { info: makeSession(), onsignout: () => {} });
    await waitFor(() => expect(document.querySelectorAll(".conversation-row")).toHaveLength(3));
    expect(document.querySelector(".list-pane .total")).toHaveTextContent("10,440");
    expect(screen.getByRole("note")).toHaveTextContent("The newest 3 of 10,440 are listed: search or filter to find the others.");
  });

  it("says when a search matches more than it lists, without a count it does not have", async () => {
    await renderDesk();
    commands.listConversations.mockImplementation((q: { search: string | null }) =>
      q.search === null ? listed(rows, null) : ok({ rows, total: rows.length, matching: null }),
    );
    const user = userEvent.setup();
    await user.type(document.querySelector("#search") as HTMLInputElement, "olivia");
    await waitFor(() => expect(screen.getByRole("note")).toHaveTextContent("The newest 3 matches are listed: add words to the search to narrow it."));
    expect(document.querySelector(".list-pane .total")).toHaveTextContent("3+");
  });

  it("has no such note when the list holds every match", async () => {
    await renderDesk();
    expect(document.querySelector(".list-pane .total")).toHaveTextContent("3");
    expect(screen.queryByRole("note")).toBeNull();
  });

  it("loads My inbox with counts and opens a conversation on click", async () => {
    await renderDesk();
    expect(commands.listConversations).toHaveBeenCalledWith({
      tab: "inbox",
      search: null,
      group_id: null,
      status: null,
      operator_id: null,
    }, FIRST_PAGE);
    expect(document.querySelector("#inbox-count")).toHaveTextContent("3");

    await fireEvent.click(document.querySelector('.conversation-row[data-id="2"]') as Element);
    expect(await screen.findByText("First message of Liam Brown")).toBeInTheDocument();
    expect(document.querySelector('.conversation-row[data-id="2"]')).toHaveAttribute("aria-selected", "true");
  });

  it("moves through the list with the arrow keys outside text fields", async () => {
    await renderDesk();
    await fireEvent.keyDown(document.body, { key: "ArrowDown" });
    await waitFor(() => expect(commands.openConversation).toHaveBeenLastCalledWith(1));
    await fireEvent.keyDown(document.body, { key: "ArrowDown" });
    await waitFor(() => expect(commands.openConversation).toHaveBeenLastCalledWith(2));
    await fireEvent.keyDown(document.body, { key: "ArrowUp" });
    await waitFor(() => expect(commands.openConversation).toHaveBeenLastCalledWith(1));

    const calls = commands.openConversation.mock.calls.length;
    await fireEvent.keyDown(document.querySelector("#search") as Element, { key: "ArrowDown" });
    expect(commands.openConversation).toHaveBeenCalledTimes(calls);
  });

  it("focuses search with / and searches from 3 characters", async () => {
    await renderDesk();
    await fireEvent.keyDown(document.body, { key: "/" });
    const search = document.querySelector("#search") as HTMLInputElement;
    expect(document.activeElement).toBe(search);

    const user = userEvent.setup();
    await user.type(search, "ol");
    expect(screen.getByText("Type at least 3 characters to search")).toBeInTheDocument();
    await user.type(search, "i");
    await waitFor(() =>
      expect(commands.listConversations).toHaveBeenLastCalledWith(expect.objectContaining({ search: "oli" }), null),
    );
  });

  it("reloads on conversationsChanged, and the open conversation only when it changed", async () => {
    await renderDesk();
    await fireEvent.click(document.querySelector('.conversation-row[data-id="1"]') as Element);
    await screen.findByText("First message of Olivia Smith");
    const lists = commands.listConversations.mock.calls.length;
    const opens = commands.openConversation.mock.calls.length;

    fire("conversationsChanged", { ids: [2, 3] });
    await waitFor(() => expect(commands.listConversations.mock.calls.length).toBe(lists + 1));
    expect(commands.tabCounts.mock.calls.length).toBeGreaterThan(1);
    expect(commands.openConversation).toHaveBeenCalledTimes(opens);

    fire("conversationsChanged", { ids: [1] });
    await waitFor(() => expect(commands.openConversation).toHaveBeenCalledTimes(opens + 1));

    fire("conversationsChanged", { ids: [] });
    await waitFor(() => expect(commands.openConversation).toHaveBeenCalledTimes(opens + 2));
  });

  it("batches a burst of events into one reload", async () => {
    await renderDesk();
    const lists = commands.listConversations.mock.calls.length;
    for (let i = 0; i < 20; i++) fire("conversationsChanged", { ids: [i] });
    await waitFor(() => expect(commands.listConversations.mock.calls.length).toBe(lists + 1));
    await new Promise((r) => setTimeout(r, 120));
    expect(commands.listConversations.mock.calls.length).toBe(lists + 1);
  });

  it("follows connStateChanged in the status bar", async () => {
    await renderDesk();
    fire("connStateChanged", { state: { state: "syncing", done: 10, total: 40 } });
    await waitFor(() => expect(document.querySelector("#conn-state")).toHaveAttribute("data-state", "syncing"));
    expect(document.querySelector("#conn-state")).toHaveTextContent("Syncing 10 / 40");
  });

  it("starts a conversation from Unassigned", async () => {
    await renderDesk();
    commands.openConversation.mockImplementation((id: number) =>
      ok({ ...viewOf(id), row: { ...viewOf(id).row, status: "unassigned" }, can: { start: true, close: false, unassign: false, send: false, note: true } }),
    );
    await fireEvent.click(document.querySelector('.conversation-row[data-id="3"]') as Element);
    const start = await waitFor(() => {
      const button = document.querySelector("#start-conversation");
      expect(button).not.toBeNull();
      return button as HTMLElement;
    });
    expect(document.querySelector("#to-closed")).toBeNull();
    expect(document.querySelector("#composer-disabled-reason")).toHaveTextContent("Start the conversation to reply.");

    await fireEvent.click(start);
    await waitFor(() => expect(commands.conversationAction).toHaveBeenCalledWith(3, { action: "start" }));
  });

  it("sends from the composer and shows the message at once", async () => {
    await renderDesk();
    commands.sendMessage.mockImplementation((_id: number, text: string) =>
      ok(makeMessage({ id: null, key: "uuid-1", kind: "operator", text, outbox: { state: "queued" }, delivery: "pending" })),
    );
    await fireEvent.click(document.querySelector('.conversation-row[data-id="1"]') as Element);
    const composer = (await waitFor(() => {
      const el = document.querySelector("#composer");
      expect(el).not.toBeNull();
      return el;
    })) as HTMLTextAreaElement;

    const user = userEvent.setup();
    await user.type(composer, "On its way!");
    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(commands.sendMessage).toHaveBeenCalledWith(1, "On its way!", false));
    await waitFor(() => expect(document.querySelector('.message[data-key="uuid-1"]')).toHaveTextContent("On its way!"));
  });

  it("Ctrl+K opens the switcher, even from the composer, and Enter opens the match", async () => {
    await renderDesk();
    await fireEvent.click(document.querySelector('.conversation-row[data-id="1"]') as Element);
    const composer = (await waitFor(() => document.querySelector("#composer"))) as HTMLElement;
    composer.focus();
    commands.listConversations.mockImplementation((q: { search: string | null }, limit: number | null) =>
      listed(q.search ? rows.filter((r) => r.client_name.toLowerCase().includes(q.search!.toLowerCase())) : rows, limit),
    );
    await fireEvent.keyDown(composer, { key: "k", ctrlKey: true });
    // The filter bar's <select>s are comboboxes too: find the switcher by its name.
    const input = (await screen.findByRole("combobox", { name: "Jump to a conversation" })) as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(input));
    await fireEvent.input(input, { target: { value: "em" } });
    expect(screen.getByText("Type at least 3 characters")).toBeInTheDocument();
    await fireEvent.input(input, { target: { value: "emm" } });
    await waitFor(() =>
      expect(commands.listConversations).toHaveBeenLastCalledWith(expect.objectContaining({ tab: null, search: "emm" }), null),
    );
    await waitFor(() => expect(document.querySelector("#switcher-results")?.textContent).toContain("Emma Müller"));
    expect(document.querySelector("#switcher-3")).toHaveAttribute("aria-selected", "true");
    await fireEvent.keyDown(input, { key: "Enter" });
    await waitFor(() => expect(commands.openConversation).toHaveBeenLastCalledWith(3));
    expect(screen.queryByRole("combobox", { name: "Jump to a conversation" })).not.toBeInTheDocument();
  }, 20_000);

  it("? shows every shortcut outside text fields, never while typing, and Esc closes it", async () => {
    await renderDesk();
    const search = document.querySelector("#search") as HTMLInputElement;
    search.focus();
    await fireEvent.keyDown(search, { key: "?", shiftKey: true });
    expect(screen.queryByRole("dialog", { name: "Keyboard shortcuts" })).not.toBeInTheDocument();
    search.blur();
    await fireEvent.keyDown(document.body, { key: "?", shiftKey: true });
    const help = await screen.findByRole("dialog", { name: "Keyboard shortcuts" });
    expect(help).toHaveTextContent("Jump to a conversation by client name");
    expect(help).toHaveTextContent("Ctrl+K");
    await fireEvent.keyDown(help, { key: "Escape" });
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    await fireEvent.keyDown(document.body, { key: "/", ctrlKey: true });
    expect(await screen.findByRole("dialog", { name: "Keyboard shortcuts" })).toBeInTheDocument();
  }, 20_000);
});
