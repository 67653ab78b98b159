import { fireEvent, render } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { makeRow } from "../../test/fixtures";
import ConversationRow from "./ConversationRow.svelte";

const now = new Date(2026, 10, 20, 16, 30);
const el = (selector: string) => document.querySelector(selector);

describe("ConversationRow", () => {
  it("renders elements #1–#8", () => {
    const row = makeRow({
      id: 42,
      client_name: "Olivia Smith",
      channel_kind: "whatsapp",
      channel_name: "WhatsApp +1 555",
      last_message_from_operator: true,
      operator_name: "Marcus Lee",
      unread: true,
      group_name: "Billing",
      group_color: "#d97706",
      status: "unassigned",
      time: new Date(2026, 10, 20, 14, 5).getTime(),
    });
    render(ConversationRow, { row, now });

    const root = el('.conversation-row[data-id="42"]');
    expect(root).not.toBeNull();
    expect(el(".client-name")).toHaveTextContent("Olivia Smith"); // #1
    expect(el('[data-channel="whatsapp"]')).toHaveAccessibleName("WhatsApp · WhatsApp +1 555"); // #2
    expect(root?.querySelector('[aria-label="Last message by an operator"]')).not.toBeNull(); // #3
    expect(el(".operator-name")).toHaveTextContent("Marcus Lee"); // #4
    expect(el(".unread-dot")).not.toBeNull(); // #5
    expect(root).toHaveClass("unread");
    expect(el(".group-chip")).toHaveTextContent("Billing"); // #6
    expect(el(".status")).toHaveTextContent("Unassigned"); // #7
    expect(el(".time")).toHaveTextContent("14:05"); // #8
    expect(root).toHaveTextContent("Where is my order?");
  });

  it("leaves out what the row does not have", () => {
    render(ConversationRow, {
      row: makeRow({ unread: false, last_message_from_operator: false, group_name: null, operator_name: null }),
      now,
    });
    expect(el(".unread-dot")).toBeNull();
    expect(el(".conversation-row")).not.toHaveClass("unread");
    expect(el('[aria-label="Last message by an operator"]')).toBeNull();
    expect(el(".group-chip")).toBeNull();
    expect(el(".operator-name")).toHaveTextContent("No operator");
  });

  it.each([
    [new Date(2026, 10, 20, 8, 0), "08:00"],
    [new Date(2026, 10, 12, 8, 0), "12 Nov"],
    [new Date(2025, 10, 12, 8, 0), "12 Nov 2025"],
  ])("formats the time %s as %s", (time, text) => {
    render(ConversationRow, { row: makeRow({ time: time.getTime() }), now });
    expect(el(".time")).toHaveTextContent(text);
  });

  it("shows pending sends and the status label of every status", () => {
    render(ConversationRow, { row: makeRow({ pending: 2, status: "closed" }), now });
    expect(el(".pending")).toHaveTextContent("2");
    expect(el(".status")).toHaveTextContent("Closed");
  });

  it("keeps markup in names and previews as text", () => {
    render(ConversationRow, {
      row: makeRow({ client_name: "<b>Bold</b>", preview: "<img src=x onerror=alert(1)>" }),
      now,
    });
    expect(el(".client-name")?.textContent).toBe("<b>Bold</b>");
    expect(document.querySelector("img")).toBeNull();
  });

  it("selects on click", async () => {
    const onselect = vi.fn();
    render(ConversationRow, { row: makeRow({ id: 5 }), now, onselect });
    await fireEvent.click(el(".conversation-row") as Element);
    expect(onselect).toHaveBeenCalledWith(5);
  });
});
