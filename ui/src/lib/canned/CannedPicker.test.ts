import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import Composer from "../conversation/Composer.svelte";
import type { CannedResponse } from "../ipc";
import { findTrigger, groupMatches, replaceTrigger } from "./trigger";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const me = makeMe();
const answers: CannedResponse[] = [
  { id: 1, title: "Closing", text: "Have a nice day!", global: true, operator_id: 99, updated_at: 1 },
  { id: 2, title: "Greeting", text: "Hello, how can I help?", global: true, operator_id: 99, updated_at: 1 },
  { id: 3, title: "Greeting", text: "Hi there, thanks for writing", global: false, operator_id: me.operator.id, updated_at: 1 },
];

let nextId = 100;
function setup() {
  commands.cannedResponses.mockImplementation(() => ok(answers));
  const onsend = vi.fn(() => Promise.resolve());
  render(Composer, { conversationId: nextId++, canSend: true, canNote: true, blockedReason: "", me, onsend });
  const textarea = document.querySelector("#composer") as HTMLTextAreaElement;
  return { onsend, textarea, user: userEvent.setup() };
}

const selected = () => document.querySelector('#canned-list [aria-selected="true"]')?.textContent ?? "";

describe("trigger", () => {
  it("opens only at the start of a word", () => {
    expect(findTrigger("/gr", 3)).toEqual({ start: 0, end: 3, query: "gr" });
    expect(findTrigger("ok \\bye", 7)).toEqual({ start: 3, end: 7, query: "bye" });
    expect(findTrigger("and/or", 6)).toBeNull();
    expect(findTrigger("/gr later", 9)).toBeNull();
    expect(replaceTrigger("ok /gr!", { start: 3, end: 6, query: "gr" }, "Hello")).toEqual({ text: "ok Hello!", caret: 8 });
  });

  it("filters by title or text and groups by title", () => {
    const groups = groupMatches(answers, "HEL");
    expect(groups.map((g) => g.title)).toEqual(["Greeting"]);
    expect(groupMatches(answers, "").map((g) => g.items.length)).toEqual([1, 2]);
  });
});

describe("canned responses picker", () => {
  beforeEach(resetFakes);

  it("opens on '/', moves with the arrows and inserts with Enter", async () => {
    const { onsend, textarea, user } = setup();
    await user.type(textarea, "Dear client, /");
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(3));
    expect(screen.getByText("Closing")).toBeInTheDocument();
    expect(selected()).toContain("Have a nice day!");
    await user.keyboard("{ArrowDown}");
    expect(selected()).toContain("Hello, how can I help?");
    await user.keyboard("{ArrowUp}{ArrowUp}");
    expect(selected()).toContain("Hi there");
    await user.keyboard("{Enter}");
    expect(textarea).toHaveValue("Dear client, Hi there, thanks for writing");
    expect(document.querySelector("#canned-menu")).toBeNull();
    expect(onsend).not.toHaveBeenCalled();
  });

  it("filters with the typed query and '\\' works too", async () => {
    const { textarea, user } = setup();
    await user.type(textarea, "\\nice");
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(1));
    await user.keyboard("{Enter}");
    expect(textarea).toHaveValue("Have a nice day!");
  });

  it("closes on Esc and leaves the text alone; Enter then is a newline", async () => {
    const { textarea, user } = setup();
    await user.type(textarea, "/gre");
    await waitFor(() => expect(document.querySelector("#canned-menu")).not.toBeNull());
    await user.keyboard("{Escape}");
    expect(document.querySelector("#canned-menu")).toBeNull();
    await user.keyboard("{Enter}");
    expect(textarea).toHaveValue("/gre\n");
  });

  it("inserts with a click", async () => {
    const { textarea, user } = setup();
    await user.type(textarea, "/");
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(3));
    await user.click(screen.getByText("Hello, how can I help?"));
    expect(textarea).toHaveValue("Hello, how can I help?");
  });

  it("adds an answer and offers edit and delete only on the operator's own ones", async () => {
    const { textarea, user } = setup();
    await user.type(textarea, "/");
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(3));
    expect(screen.getAllByRole("button", { name: "Edit answer" })).toHaveLength(1);
    const created = { id: 4, title: "Refund", text: "Your refund is on its way.", global: false, operator_id: me.operator.id, updated_at: 2 };
    commands.addCannedResponse.mockImplementation(() => ok(created));
    await user.click(screen.getByRole("button", { name: "+ Add answer" }));
    await user.type(document.querySelector("#canned-title") as HTMLElement, "Refund");
    await user.type(document.querySelector("#canned-text") as HTMLElement, "Your refund is on its way.");
    commands.cannedResponses.mockImplementation(() => ok([...answers, created]));
    await user.click(screen.getByRole("button", { name: "Add" }));
    expect(commands.addCannedResponse).toHaveBeenCalledWith({ title: "Refund", text: "Your refund is on its way." });
    await waitFor(() => expect(screen.getAllByRole("option")).toHaveLength(4));
  });
});

describe("emoji", () => {
  beforeEach(resetFakes);

  it("inserts the picked emoji at the cursor", async () => {
    const { textarea, user } = setup();
    await user.type(textarea, "Thanks !");
    textarea.setSelectionRange(7, 7);
    await user.click(document.querySelector("#emoji-toggle") as HTMLElement);
    await user.click(screen.getByRole("button", { name: "🙏" }));
    expect(textarea).toHaveValue("Thanks 🙏!");
    expect(document.querySelector("#emoji-grid")).toBeNull();
  });
});
