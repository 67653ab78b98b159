import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeView } from "../../test/fixtures";
import ConversationHeader from "../conversation/ConversationHeader.svelte";
import type { LogEntry } from "../ipc";
import ConversationLog from "./ConversationLog.svelte";
import { describeLogEntry, logLines } from "./describe";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

function entry(over: Partial<LogEntry>): LogEntry {
  return {
    id: 1,
    action: "start",
    operator_id: 7,
    operator_name: "Anna Petrova",
    via_api: false,
    details: { webhook_disabled: false },
    subject_name: null,
    note: null,
    ip: null,
    created_at: Date.UTC(2026, 10, 12, 14, 5),
    ...over,
  };
}

describe("the conversation log in plain words", () => {
  // Seed: after "Start conversation" the conversation "will go to "My inbox" tab of this
  // operator and will be assigned to him (this will be indicated in the conversation log)".
  it("says who moved the conversation where", () => {
    const cases: [Partial<LogEntry>, string][] = [
      [{ action: "created", operator_id: null, operator_name: null, details: { webhook_disabled: false, source: "inbound_message" } }, "The client wrote; the conversation arrived in Unassigned"],
      [
        { action: "created", operator_id: null, operator_name: null, details: { webhook_disabled: false, source: "inbound_message", operator_id: 8 }, subject_name: "Boris Ivanov" },
        "The client wrote; the client is pinned to Boris Ivanov, so it went to their My inbox",
      ],
      [{ action: "start" }, "Anna Petrova started the conversation; it is in their My inbox"],
      [{ action: "assign_operator", details: { webhook_disabled: false, operator_id: 8 }, subject_name: "Boris Ivanov" }, "Anna Petrova assigned the conversation to Boris Ivanov"],
      [{ action: "assign_group", details: { webhook_disabled: false, group_id: 2 }, subject_name: "2nd line" }, "Anna Petrova assigned the conversation to the group 2nd line"],
      [{ action: "unassign", via_api: true }, "Anna Petrova (through the API) returned the conversation to Unassigned"],
      [{ action: "close" }, "Anna Petrova closed the conversation"],
      [{ action: "reopened", operator_id: null, operator_name: null }, "The client wrote again; the conversation went back to Unassigned"],
      [{ action: "conversation_emailed", details: { webhook_disabled: false, email_to: "boss@partner.test" } }, "Anna Petrova sent the conversation by email to boss@partner.test"],
    ];
    for (const [over, text] of cases) expect(describeLogEntry(entry(over))).toBe(text);
  });

  it("leaves messages, notes and tags to the thread", () => {
    const lines = logLines([
      entry({ id: 1, action: "start" }),
      entry({ id: 2, action: "message_sent" }),
      entry({ id: 3, action: "note_added" }),
      entry({ id: 4, action: "message_tagged" }),
      entry({ id: 5, action: "close" }),
    ]);
    expect(lines.map((l) => l.id)).toEqual([1, 5]);
  });
});

describe("the Log panel", () => {
  beforeEach(resetFakes);

  it("opens from the header and lists the movements with their time", async () => {
    commands.conversationLog.mockImplementation(() =>
      ok([entry({ id: 1, action: "start" }), entry({ id: 2, action: "assign_operator", details: { webhook_disabled: false, operator_id: 8 }, subject_name: "Boris Ivanov" })]),
    );
    const onlog = vi.fn();
    render(ConversationHeader, { view: makeView(), busy: null, onact: () => {}, onlog });
    await fireEvent.click(screen.getByRole("button", { name: /Log/ }));
    expect(onlog).toHaveBeenCalled();
    document.body.innerHTML = "";

    render(ConversationLog, { conversationId: 1, place: "inbox:7:1", onclose: () => {} });
    await waitFor(() => expect(document.querySelectorAll("#conversation-log li")).toHaveLength(2));
    expect(commands.conversationLog).toHaveBeenCalledWith(1);
    const items = [...document.querySelectorAll("#conversation-log li")].map((li) => li.textContent);
    expect(items[1]).toContain("Anna Petrova assigned the conversation to Boris Ivanov");
    expect(items[1]).toContain("2026");
  });

  it("says it needs a connection when offline", async () => {
    commands.conversationLog.mockImplementation(() =>
      fail("offline", "The conversation log needs a connection to the server. Try again when the desk is back online."),
    );
    render(ConversationLog, { conversationId: 1, place: "inbox:7:1", onclose: () => {} });
    await waitFor(() => expect(document.querySelector("#conversation-log-error")).toHaveTextContent("needs a connection"));
    expect(document.querySelector("#conversation-log-error")).toHaveAttribute("role", "alert");
  });
});
