import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it } from "vitest";
import { vi } from "vitest";
import { commands, fire, listed, resetFakes } from "../../test/fake-bindings";
import { makeMessage, makeRow, makeSession, makeView } from "../../test/fixtures";
import Desk from "../desk/Desk.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const row = makeRow({ id: 4, client_name: "Olivia Smith" });

async function renderDesk(onsignout = () => {}) {
  commands.listConversations.mockImplementation((_q: unknown, limit: number | null) => listed([row], limit));
  commands.openConversation.mockImplementation(() =>
    Promise.resolve({ status: "ok", data: makeView({ row, messages: [makeMessage({ id: 40, text: "Hi" })] }) }),
  );
  render(Desk, { info: makeSession(), onsignout });
  await waitFor(() => expect(commands.notifySettings).toHaveBeenCalled());
}

describe("notifications in the desk", () => {
  beforeEach(resetFakes);

  it("changes do-not-disturb, sound and preview from the status bar", async () => {
    await renderDesk();
    await fireEvent.click(document.querySelector("#notify-settings")!);
    await fireEvent.click(document.querySelector("#notify-dnd")!);
    await waitFor(() => expect(commands.setNotifySettings).toHaveBeenCalledWith(true, true, true));
    await waitFor(() => expect(document.querySelector("#notify-settings")).toHaveTextContent("Do not disturb"));
    await fireEvent.click(document.querySelector("#notify-preview")!);
    await waitFor(() => expect(commands.setNotifySettings).toHaveBeenLastCalledWith(true, true, false));
  });

  it("opens the clicked notification's conversation, tells the shell, and mutes it", async () => {
    await renderDesk();
    fire("openConversation", { id: 4 });
    await waitFor(() => expect(commands.openConversation).toHaveBeenCalledWith(4));
    await waitFor(() => expect(commands.setOpenConversation).toHaveBeenLastCalledWith(4));
    const mute = await waitFor(() => {
      const el = document.querySelector("#mute-conversation");
      expect(el).not.toBeNull();
      return el!;
    });
    expect(mute).toHaveAttribute("aria-pressed", "false");
    await fireEvent.click(mute);
    await waitFor(() => expect(commands.setConversationMuted).toHaveBeenCalledWith(4, true));
    await waitFor(() => expect(document.querySelector("#mute-conversation")).toHaveAttribute("aria-pressed", "true"));
  });

  it("shows a toast when the native notification failed, and runs the tray's sign-out", async () => {
    const signOut = vi.fn();
    await renderDesk(signOut);
    fire("notifyFailed", { summary: "Olivia Smith", body: "Web chat\nWhere is my order?", error: "no daemon" });
    expect(await screen.findByText("Olivia Smith", { selector: ".toast strong" })).toBeInTheDocument();
    fire("signOutRequested", null);
    expect(signOut).toHaveBeenCalled();
  });
});
