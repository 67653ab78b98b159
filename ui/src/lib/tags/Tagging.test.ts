import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, listed, ok, resetFakes } from "../../test/fake-bindings";
import { makeMessage, makeRow, makeSession, makeView } from "../../test/fixtures";
import Desk from "../desk/Desk.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const row = makeRow({ id: 1, client_name: "Olivia Smith" });
const view = makeView({
  row,
  client: { ...makeView().client, original_name: "olivia_tg", display_name: "Olivia Smith" },
  messages: [
    makeMessage({ id: 10, text: "My parcel arrived broken" }),
    makeMessage({ id: 11, kind: "operator", text: "Sorry to hear", author_name: "Anna", delivery: "failed" }),
  ],
});

async function openConversation() {
  commands.listConversations.mockImplementation(() => listed([row]));
  commands.openConversation.mockImplementation(() => ok(view));
  render(Desk, { info: makeSession(), onsignout: () => {} });
  const user = userEvent.setup();
  await waitFor(() => expect(document.querySelectorAll(".conversation-row")).toHaveLength(1));
  await user.click(screen.getByText("Olivia Smith"));
  await waitFor(() => expect(screen.getByText("My parcel arrived broken")).toBeInTheDocument());
  return user;
}

// A whole desk per test: slow on a busy machine, so a longer budget than vitest's 5 s.
const SLOW = 30_000;

describe("message tags, retry and the client profile", () => {
  beforeEach(resetFakes);

  it("tags the selected messages with a tag from the list and shows it", async () => {
    commands.tags.mockImplementation(() => ok([{ id: 1, name: "Complaint" }]));
    const user = await openConversation();
    expect(document.querySelector("#tag-bar")).toBeNull();
    await user.click(document.querySelector('[data-select="10"]') as HTMLElement);
    expect(screen.getByText("1 selected")).toBeInTheDocument();
    expect(document.querySelector('#tag-options option[value="Complaint"]')).not.toBeNull();
    commands.messageTags.mockImplementation(() => ok([{ message_id: 10, conversation_id: 1, tags: ["Complaint"] }]));
    await user.type(document.querySelector("#tag-input") as HTMLElement, "Complaint");
    await user.click(screen.getByRole("button", { name: "Add Tag" }));
    expect(commands.tagMessages).toHaveBeenCalledWith([10], "Complaint");
    await waitFor(() => expect(document.querySelector('[data-tags="10"]')).toHaveTextContent("Complaint"));
    expect(document.querySelector("#tag-bar")).toBeNull();
  }, SLOW);

  it("offers Retry on a failed delivery", async () => {
    const user = await openConversation();
    await user.click(document.querySelector('[data-retry="11"]') as HTMLElement);
    expect(commands.retryDelivery).toHaveBeenCalledWith(11);
    expect(document.querySelector('[data-retry="10"]')).toBeNull();
  }, SLOW);

  it("opens the profile from the avatar: original name, contact, rename and notes", async () => {
    commands.refreshClientNotes.mockImplementation(() =>
      ok([{ id: 1, client_id: 11, conversation_id: 1, operator_id: 7, operator_name: "Anna", text: "VIP client", created_at: 0 }]),
    );
    const user = await openConversation();
    await user.click(document.querySelector("#client-avatar") as HTMLElement);
    expect(document.querySelector("#client-original-name")).toHaveTextContent("Original name: olivia_tg");
    expect(document.querySelector("#client-external-id")).toHaveTextContent("tg-11");
    await waitFor(() => expect(screen.getByText("VIP client")).toBeInTheDocument());
    expect(screen.getByText(/^Anna ·/)).toBeInTheDocument();

    await user.click(document.querySelector("#client-rename") as HTMLElement);
    const input = document.querySelector("#client-rename-input") as HTMLInputElement;
    await user.clear(input);
    await user.type(input, "Olivia S.");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(commands.renameClient).toHaveBeenCalledWith(11, "Olivia S.");

    commands.addClientNote.mockImplementation(() =>
      ok({ id: 2, client_id: 11, conversation_id: 1, operator_id: 7, operator_name: "Anna", text: "Prefers email", created_at: 1 }),
    );
    await user.type(document.querySelector("#client-note-input") as HTMLElement, "Prefers email");
    await user.click(document.querySelector("#client-note-add") as HTMLElement);
    expect(commands.addClientNote).toHaveBeenCalledWith(11, "Prefers email");
    await waitFor(() => expect(document.querySelectorAll(".client-note")).toHaveLength(2));
  }, SLOW);
});
