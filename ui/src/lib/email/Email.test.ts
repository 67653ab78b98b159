import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, fire, listed, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe, makeMessage, makeOpened, makeRow, makeSession, makeView } from "../../test/fixtures";
import App from "../../App.svelte";
import Desk from "../desk/Desk.svelte";
import EmailDialog from "./EmailDialog.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

// A whole desk per test: slow on a busy machine, so a longer budget than vitest's 5 s.
const SLOW = 30_000;

const row = makeRow({ id: 1, client_name: "Olivia Smith" });
const view = makeView({
  row,
  messages: [
    makeMessage({ id: 10, text: "My parcel arrived broken" }),
    makeMessage({ id: 11, kind: "operator", text: "Sorry to hear", author_name: "Anna" }),
    makeMessage({ id: 12, text: "Thanks" }),
  ],
});

function mockConversation() {
  commands.listConversations.mockImplementation((_q: unknown, limit: number | null) => listed([row], limit));
  commands.openConversation.mockImplementation(() => ok(view));
  commands.assignMenu.mockImplementation(() =>
    ok({
      conversation_id: 1,
      client_id: 11,
      operators: [],
      groups: [],
      pin: { kind: "fix", name: "Anna Petrova" },
      can_blacklist: true,
      blacklisted: false,
      can_outgoing: false,
    }),
  );
}

async function openDesk(me = makeMe({ permissions: { download_conversations: true } })) {
  mockConversation();
  render(Desk, { info: makeSession({ me }), onsignout: () => {} });
  return openOlivia();
}

async function openOlivia() {
  const user = userEvent.setup();
  await waitFor(() => expect(document.querySelectorAll(".conversation-row")).toHaveLength(1));
  await user.click(screen.getByText("Olivia Smith"));
  await waitFor(() => expect(screen.getByText("My parcel arrived broken")).toBeInTheDocument());
  await waitFor(() => expect(document.querySelector("#send-to-blacklist")).toBeInTheDocument());
  return user;
}

describe("the Send to Email dialog", () => {
  beforeEach(resetFakes);

  it("prefills the subject and sends the whole conversation", async () => {
    commands.emailConversation.mockImplementation(() => ok({ to: "boss@partner.test", message_count: 3 }));
    const onsent = vi.fn();
    render(EmailDialog, { conversationId: 5, clientName: "Olivia", onclose: () => {}, onsent });
    const user = userEvent.setup();
    expect(screen.getByLabelText("Subject")).toHaveValue("Conversation with Olivia (#5)");
    expect(screen.getByText(/whole conversation/)).toBeInTheDocument();
    const send = screen.getByRole("button", { name: "Send conversation" });
    expect(send).toBeDisabled();
    await user.type(screen.getByLabelText("Recipient"), " boss@partner.test ");
    await user.click(send);
    expect(commands.emailConversation).toHaveBeenCalledWith(5, {
      to: "boss@partner.test",
      subject: "Conversation with Olivia (#5)",
      message_ids: null,
    });
    await waitFor(() => expect(onsent).toHaveBeenCalledWith("boss@partner.test"));
  });

  it("shows the server's refusal inline and keeps what was typed", async () => {
    commands.emailConversation.mockImplementation(() =>
      fail("forbidden", "x@else.test is not in the company's email whitelist."),
    );
    const onsent = vi.fn();
    render(EmailDialog, { conversationId: 5, clientName: "Olivia", messageIds: [10, 12], onclose: () => {}, onsent });
    const user = userEvent.setup();
    expect(screen.getByText("2 selected messages.")).toBeInTheDocument();
    const subject = screen.getByLabelText("Subject");
    await user.clear(subject);
    await user.type(subject, "Complaint");
    await user.type(screen.getByLabelText("Recipient"), "x@else.test");
    await user.click(screen.getByRole("button", { name: "Send conversation" }));
    await waitFor(() =>
      expect(screen.getByRole("alert")).toHaveTextContent("x@else.test is not in the company's email whitelist."),
    );
    expect(commands.emailConversation).toHaveBeenCalledWith(5, {
      to: "x@else.test",
      subject: "Complaint",
      message_ids: [10, 12],
    });
    expect(onsent).not.toHaveBeenCalled();
    expect(screen.getByLabelText("Recipient")).toHaveValue("x@else.test");
    expect(subject).toHaveValue("Complaint");
  });

  it(
    "sends the selected messages from the selection bar and confirms with a toast",
    async () => {
      commands.emailConversation.mockImplementation(() => ok({ to: "boss@partner.test", message_count: 2 }));
      const user = await openDesk();
      expect(document.querySelector("#email-conversation")).toBeInTheDocument();
      await user.click(document.querySelector('[data-select="12"]') as HTMLElement);
      await user.click(document.querySelector('[data-select="10"]') as HTMLElement);
      await user.click(document.querySelector("#email-selected") as HTMLElement);
      expect(screen.getByText("2 selected messages.")).toBeInTheDocument();
      await user.type(screen.getByLabelText("Recipient"), "boss@partner.test");
      await user.click(screen.getByRole("button", { name: "Send conversation" }));
      expect(commands.emailConversation).toHaveBeenCalledWith(1, {
        to: "boss@partner.test",
        subject: "Conversation with Olivia Smith (#1)",
        message_ids: [10, 12],
      });
      await waitFor(() => expect(document.querySelector("#email-sent")).toHaveTextContent("Sent to boss@partner.test"));
      expect(document.querySelector("#email-sent")).toHaveAttribute("role", "status");
      expect(document.querySelector("#email-dialog")).toBeNull();
      expect(document.querySelector("#tag-bar")).toBeNull();
    },
    SLOW,
  );

  it(
    // Issue 11: the role permission "download conversations" says who may export; the
    // whitelist (seed: Settings › Advanced) where to.
    "is offered to roles with download conversations, for the conversation and for a selection",
    async () => {
      const user = await openDesk();
      expect(document.querySelector("#email-conversation")).toHaveTextContent("Send to Email");
      await user.click(document.querySelector('[data-select="10"]') as HTMLElement);
      expect(document.querySelector("#tag-bar")).toBeInTheDocument();
      expect(document.querySelector("#email-selected")).toHaveTextContent("Send to Email");
    },
    SLOW,
  );

  it(
    "follows a role change live: the button comes with download conversations and goes with it",
    async () => {
      mockConversation();
      commands.restoreSession.mockImplementation(() => ok(makeOpened()));
      render(App);
      await openOlivia();
      expect(document.querySelector("#email-conversation")).toBeNull();
      fire("sessionChanged", { info: makeSession({ me: makeMe({ permissions: { download_conversations: true } }) }) });
      await waitFor(() => expect(document.querySelector("#email-conversation")).toHaveTextContent("Send to Email"));
      fire("sessionChanged", { info: makeSession() });
      await waitFor(() => expect(document.querySelector("#email-conversation")).toBeNull());
    },
    SLOW,
  );

  it(
    "is not offered to a role without download conversations, in either bar",
    async () => {
      const user = await openDesk(makeMe({ permissions: { show_all_tab: true } }));
      expect(document.querySelector("#assign-bar, .assign-bar, #send-to-blacklist")).toBeInTheDocument();
      expect(document.querySelector("#email-conversation")).toBeNull();
      await user.click(document.querySelector('[data-select="10"]') as HTMLElement);
      expect(document.querySelector("#tag-bar")).toBeInTheDocument();
      expect(document.querySelector("#email-selected")).toBeNull();
      expect(screen.queryByText("Send to Email")).toBeNull();
    },
    SLOW,
  );
});
