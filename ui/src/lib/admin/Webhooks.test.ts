import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import Webhooks from "./Webhooks.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const hook = {
  id: 7,
  url: "https://crm.example.com/hook",
  events: ["conversation.closed", "tag.added"],
  active: true,
  created_at: 1,
  updated_at: 1,
};

describe("the Webhooks section", () => {
  beforeEach(resetFakes);

  it("adds a webhook with the chosen events and shows its secret once", async () => {
    commands.createWebhook.mockImplementation((w: { url: string; events: string[] }) =>
      ok({ webhook: { ...hook, id: 8, url: w.url, events: w.events }, secret: "whsec_abc" }),
    );
    render(Webhooks);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByText("No webhooks yet.")).toBeInTheDocument());
    await user.type(screen.getByLabelText("Receiver URL"), "https://crm.example.com/new");
    // All eight are ticked; leave out "Message created".
    await user.click(document.querySelector('[data-new-event="message.created"]') as HTMLElement);
    await user.click(screen.getByRole("button", { name: "Add webhook" }));
    await waitFor(() => expect(document.querySelector('[data-secret="8"]')).toHaveTextContent("whsec_abc"));
    const sent = commands.createWebhook.mock.calls[0]?.[0] as { url: string; events: string[]; active: boolean };
    expect(sent.url).toBe("https://crm.example.com/new");
    expect(sent.events).toHaveLength(7);
    expect(sent.events).not.toContain("message.created");
    expect(screen.getByText("https://crm.example.com/new")).toBeInTheDocument();
  });

  it("shows the server's refusal of a bad URL", async () => {
    commands.createWebhook.mockImplementation(() =>
      fail("bad_input", "The webhook URL points to a local or private address (127.0.0.1)."),
    );
    render(Webhooks);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText("Receiver URL"), "http://127.0.0.1/x");
    await user.click(screen.getByRole("button", { name: "Add webhook" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("local or private address"));
  });

  it("edits the events, pauses, sends a test event, shows the delivery log, deletes", async () => {
    commands.webhooks.mockImplementation(() => ok([hook]));
    commands.updateWebhook.mockImplementation((_id: number, patch: { events?: string[]; active?: boolean }) =>
      ok({ ...hook, events: patch.events ?? hook.events, active: patch.active ?? hook.active }),
    );
    commands.webhookDeliveries.mockImplementation(() =>
      ok({
        items: [
          { id: 2, event: "tag.added", event_id: "evt_1", attempt: 2, status_code: 200, error: null, outcome: "delivered", created_at: 2 },
          { id: 1, event: "tag.added", event_id: "evt_1", attempt: 1, status_code: null, error: "Cannot connect to the receiver", outcome: "retry", created_at: 1 },
        ],
        next_before: null,
      }),
    );
    render(Webhooks);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByText("Conversation closed, Tag added")).toBeInTheDocument());

    await user.click(screen.getByRole("button", { name: "Edit events" }));
    await user.click(document.querySelector('[data-edit-event="tag.added"]') as HTMLElement);
    await user.click(document.querySelector('[data-edit-event="client.updated"]') as HTMLElement);
    await user.click(screen.getByRole("button", { name: "Save events" }));
    expect(commands.updateWebhook).toHaveBeenCalledWith(7, { events: ["conversation.closed", "client.updated"] });
    await waitFor(() => expect(screen.getByText("Conversation closed, Client updated")).toBeInTheDocument());

    await user.click(document.querySelector('[data-active="7"]') as HTMLElement);
    expect(commands.updateWebhook).toHaveBeenLastCalledWith(7, { active: false });

    await user.click(screen.getByRole("button", { name: "Send test event" }));
    expect(commands.testWebhook).toHaveBeenCalledWith(7);
    await waitFor(() => expect(screen.getByText(/Test event evt_test queued/)).toBeInTheDocument());

    await user.click(screen.getByRole("button", { name: "Delivery log" }));
    const log = await screen.findByRole("table", { name: "Delivery log" });
    expect(log).toHaveTextContent("Cannot connect to the receiver");
    expect(log).toHaveTextContent("200");
    expect(log).toHaveTextContent("delivered");

    await user.click(screen.getByRole("button", { name: "Delete" }));
    expect(commands.deleteWebhook).toHaveBeenCalledWith(7);
    await waitFor(() => expect(screen.getByText("No webhooks yet.")).toBeInTheDocument());
  });
});
