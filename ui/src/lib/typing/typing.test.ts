import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fire } from "../../test/fake-bindings";
import Composer from "../conversation/Composer.svelte";
import TypingIndicator from "../conversation/TypingIndicator.svelte";
import { TYPING_EVERY_MS, TYPING_SHOWN_MS, TypingThrottle } from "./typing.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

let nextId = 5000;

// Not resetFakes(): it drops the event listeners, and the app listens once (`typists.listen`).
beforeEach(() => commands.setTyping.mockClear());
afterEach(() => vi.useRealTimers());

describe("TypingIndicator", () => {
  it("shows the client typing, hides itself a few seconds after the last signal", async () => {
    vi.useFakeTimers();
    const id = nextId++;
    render(TypingIndicator, { conversationId: id });
    const line = document.querySelector("#client-typing") as HTMLElement;
    expect(line).toHaveAttribute("aria-live", "polite");
    expect(line).toHaveTextContent("");
    fire("clientTypingChanged", { typing: { conversation_id: id, name: "Olivia", typing: true } });
    await vi.waitFor(() => expect(line).toHaveTextContent("Olivia is typing…"));
    // A repeat keeps it up past the first signal's time.
    vi.advanceTimersByTime(TYPING_SHOWN_MS - 1000);
    fire("clientTypingChanged", { typing: { conversation_id: id, name: "Olivia", typing: true } });
    vi.advanceTimersByTime(2000);
    await vi.waitFor(() => expect(line).toHaveTextContent("Olivia is typing…"));
    vi.advanceTimersByTime(TYPING_SHOWN_MS);
    await vi.waitFor(() => expect(line).toHaveTextContent(""));
  });

  it("hides at once on a stop, and ignores other conversations", async () => {
    const id = nextId++;
    render(TypingIndicator, { conversationId: id });
    const line = document.querySelector("#client-typing") as HTMLElement;
    fire("clientTypingChanged", { typing: { conversation_id: id + 1, name: "Someone else", typing: true } });
    fire("clientTypingChanged", { typing: { conversation_id: id, name: "Olivia", typing: true } });
    await waitFor(() => expect(line).toHaveTextContent("Olivia is typing…"));
    expect(line).not.toHaveTextContent("Someone else");
    fire("clientTypingChanged", { typing: { conversation_id: id, name: "Olivia", typing: false } });
    await waitFor(() => expect(line).toHaveTextContent(""));
  });
});

describe("TypingThrottle", () => {
  it("sends at most one signal per interval, and one stop when emptied", () => {
    let now = 0;
    const sent: boolean[] = [];
    const t = new TypingThrottle((typing) => sent.push(typing), () => now);
    t.input("H");
    t.input("He");
    now += TYPING_EVERY_MS - 1;
    t.input("Hel");
    expect(sent).toEqual([true]);
    now += 1;
    t.input("Hell");
    expect(sent).toEqual([true, true]);
    t.input("");
    t.input("   ");
    expect(sent).toEqual([true, true, false]);
    // A new start after a stop goes at once.
    t.input("Again");
    expect(sent).toEqual([true, true, false, true]);
    t.sent();
    // Nothing to stop after sending: the answer ends it on the client's side.
    t.stop();
    expect(sent).toEqual([true, true, false, true]);
  });
});

describe("Composer typing", () => {
  function setup(signalTyping: boolean) {
    const id = nextId++;
    render(Composer, {
      conversationId: id,
      canSend: true,
      canNote: true,
      blockedReason: "",
      clientName: "Olivia",
      signalTyping,
      onsend: () => Promise.resolve(),
    });
    return { id, textarea: document.querySelector("#composer") as HTMLTextAreaElement, user: userEvent.setup() };
  }

  it("tells the server once while the operator types fast, then stops when emptied", async () => {
    const { id, textarea, user } = setup(true);
    await user.type(textarea, "Hello there");
    expect(commands.setTyping).toHaveBeenCalledTimes(1);
    expect(commands.setTyping).toHaveBeenCalledWith(id, true);
    await user.clear(textarea);
    expect(commands.setTyping).toHaveBeenLastCalledWith(id, false);
    expect(commands.setTyping).toHaveBeenCalledTimes(2);
  });

  it("says nothing for notes, nor for channels that do not show typing", async () => {
    const { textarea, user } = setup(true);
    await user.click(document.querySelector("#note-toggle") as HTMLElement);
    await user.type(textarea, "internal");
    expect(commands.setTyping).not.toHaveBeenCalled();
    const other = setup(false);
    await other.user.type(other.textarea, "Hello");
    expect(commands.setTyping).not.toHaveBeenCalled();
    expect(screen.getAllByRole("textbox").length).toBe(2);
  });
});
