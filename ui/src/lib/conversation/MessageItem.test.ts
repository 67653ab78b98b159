import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import { makeMessage } from "../../test/fixtures";
import MessageItem from "./MessageItem.svelte";

const one = (selector: string) => document.querySelector(selector);

describe("MessageItem", () => {
  it("puts client messages left and operator messages right, with author and delivery", () => {
    render(MessageItem, { message: makeMessage({ key: "m1", kind: "client", text: "Hi", author_name: "Olivia" }) });
    expect(one('.message[data-key="m1"]')).toHaveClass("message--client");
    expect(one(".author")).toHaveTextContent("Olivia");
    expect(one("[data-delivery]")).toBeNull();
  });

  it.each([
    ["pending", "pending"],
    ["sent", "sent"],
    ["delivered", "delivered"],
    ["failed", "failed"],
  ] as const)("shows delivery %s of an operator message", (delivery, shown) => {
    render(MessageItem, { message: makeMessage({ kind: "operator", delivery, author_name: "Anna" }) });
    expect(one(".message")).toHaveClass("message--operator");
    expect(one("[data-delivery]")).toHaveAttribute("data-delivery", shown);
  });

  it("renders notes distinctly, labelled, and never as delivered to the client", () => {
    render(MessageItem, {
      message: makeMessage({ kind: "note", text: "VIP: offer the discount", author_name: "Anna" }),
    });
    const note = one(".message");
    expect(note).toHaveClass("message--note");
    expect(one(".note-label")).toHaveTextContent("Note");
    expect(one(".note-label svg")).not.toBeNull(); // lock icon
    expect(one("[data-delivery]")).toBeNull();
  });

  it("centres system messages", () => {
    render(MessageItem, { message: makeMessage({ kind: "system", text: "Anna started the conversation", author_name: null }) });
    expect(one(".message")).toHaveClass("message--system");
    expect(one(".author")).toBeNull();
  });

  it("renders markup literally and keeps newlines", () => {
    const text = "<script>alert('x')</script>\n<b>bold</b>";
    render(MessageItem, { message: makeMessage({ text }) });
    const body = one(".message-text");
    expect(body?.textContent).toBe(text);
    expect(document.querySelector(".message script, .message b")).toBeNull();
  });

  it("shows outbox states: queued as pending, failed with the error", () => {
    render(MessageItem, {
      message: makeMessage({ id: null, kind: "operator", delivery: "pending", outbox: { state: "queued" } }),
    });
    expect(one(".message")).toHaveClass("message--queued");
    expect(one("[data-delivery]")).toHaveAttribute("data-delivery", "pending");
  });

  it("shows why a send failed", () => {
    render(MessageItem, {
      message: makeMessage({
        id: null,
        kind: "operator",
        delivery: "pending",
        outbox: { state: "failed", error: "The conversation was closed by Marcus.", code: "invalid_state", detail: null },
      }),
    });
    expect(one(".message")).toHaveClass("message--failed");
    expect(one("[data-delivery]")).toHaveAttribute("data-delivery", "failed");
    expect(one(".failure")).toHaveTextContent("The conversation was closed by Marcus.");
  });

  it("shows the channel's reason when the delivery failed", () => {
    render(MessageItem, {
      message: makeMessage({
        kind: "operator",
        delivery: "failed",
        delivery_error: "The channel's callback answered 404 Not Found",
      }),
    });
    expect(one("[data-delivery]")).toHaveAttribute("data-delivery", "failed");
    expect(one(".failure")).toHaveTextContent("Not delivered: The channel's callback answered 404 Not Found");
  });

  it("says only that it was not delivered when the channel gave no reason", () => {
    render(MessageItem, { message: makeMessage({ kind: "operator", delivery: "failed", delivery_error: null }) });
    expect(one(".failure")?.textContent?.trim()).toBe("Not delivered");
  });

  it("shows a day separator when asked", () => {
    render(MessageItem, { message: makeMessage(), dayLabel: "Yesterday" });
    expect(one(".day")).toHaveTextContent("Yesterday");
  });
});
