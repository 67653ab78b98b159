import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { IpcError } from "../ipc";
import Composer from "./Composer.svelte";

let nextId = 1;
function setup(props: Partial<{ canSend: boolean; canNote: boolean; onsend: (t: string, n: boolean) => Promise<void> }> = {}) {
  const onsend = props.onsend ?? vi.fn(() => Promise.resolve());
  render(Composer, {
    conversationId: nextId++,
    canSend: props.canSend ?? true,
    canNote: props.canNote ?? true,
    blockedReason: "Start the conversation to reply.",
    clientName: "Olivia",
    onsend,
  });
  const textarea = document.querySelector("#composer") as HTMLTextAreaElement;
  const send = document.querySelector("#send") as HTMLButtonElement;
  return { onsend, textarea, send, user: userEvent.setup() };
}

describe("Composer", () => {
  it("sends with Ctrl+Enter and clears the box", async () => {
    const { onsend, textarea, user } = setup();
    await user.type(textarea, "Hello there");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(onsend).toHaveBeenCalledWith("Hello there", false);
    await waitFor(() => expect(textarea).toHaveValue(""));
  });

  it("inserts a newline on plain Enter instead of sending", async () => {
    const { onsend, textarea, user } = setup();
    await user.type(textarea, "line one{Enter}line two");
    expect(onsend).not.toHaveBeenCalled();
    expect(textarea).toHaveValue("line one\nline two");
    await user.click(screen.getByRole("button", { name: /Send/ }));
    expect(onsend).toHaveBeenCalledWith("line one\nline two", false);
  });

  it("does not send empty text", async () => {
    const { onsend, textarea, send, user } = setup();
    await user.type(textarea, "   ");
    await fireEvent.keyDown(textarea, { key: "Enter", ctrlKey: true });
    expect(onsend).not.toHaveBeenCalled();
    expect(send).toBeDisabled();
  });

  it("is disabled with the reason when replying is not allowed", () => {
    const { textarea, send } = setup({ canSend: false, canNote: false });
    expect(textarea).toBeDisabled();
    expect(send).toBeDisabled();
    expect(document.querySelector("#composer-disabled-reason")).toHaveTextContent("Start the conversation to reply.");
    expect(document.querySelector("#note-toggle")).toBeDisabled();
  });

  it("still takes a note when only notes are allowed", async () => {
    const { onsend, textarea, user } = setup({ canSend: false, canNote: true });
    expect(textarea).toBeDisabled();
    await user.click(document.querySelector("#note-toggle") as HTMLElement);
    expect(textarea).toBeEnabled();
    expect(document.querySelector("#composer-disabled-reason")).toBeNull();
    await user.type(textarea, "VIP client");
    await user.click(screen.getByRole("button", { name: /Add note/ }));
    expect(onsend).toHaveBeenCalledWith("VIP client", true);
  });

  it("sends a note when the Note toggle is on", async () => {
    const { onsend, textarea, user } = setup();
    const toggle = document.querySelector("#note-toggle") as HTMLElement;
    await user.click(toggle);
    expect(toggle).toHaveAttribute("aria-pressed", "true");
    await user.type(textarea, "internal");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(onsend).toHaveBeenCalledWith("internal", true);
  });

  it("keeps the text and shows the error when sending fails", async () => {
    const onsend = vi.fn(() => Promise.reject(new IpcError("forbidden", "Replying is not allowed in this group.")));
    const { textarea, user } = setup({ onsend });
    await user.type(textarea, "Hi");
    await user.keyboard("{Control>}{Enter}{/Control}");
    expect(await screen.findByRole("alert")).toHaveTextContent("Replying is not allowed in this group.");
    expect(textarea).toHaveValue("Hi");
  });
});
