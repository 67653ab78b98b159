import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, fire, ok, resetFakes } from "../../test/fake-bindings";
import { makeMessage, makeView } from "../../test/fixtures";
import Banners from "../conversation/Banners.svelte";
import MessageItem from "../conversation/MessageItem.svelte";
import NoticeBanner from "./NoticeBanner.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const TAKEN = {
  state: "failed" as const,
  error: "The conversation is already taken by Olga Ivanova. Ask them or a supervisor to assign it to you.",
  code: "conflict",
  detail: { kind: "taken_by" as const, operator_id: 9, operator_name: "Olga Ivanova" },
};

describe("outbox in the UI", () => {
  beforeEach(resetFakes);

  it("shows a refused action as a conflict with Retry and Discard", async () => {
    const view = makeView({
      pending_actions: [{ id: "a1", description: "Start conversation", outbox: TAKEN }],
    });
    render(Banners, { view, error: null });
    expect(screen.getByRole("alert")).toHaveTextContent("Olga Ivanova took this conversation while you were offline.");
    await fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(commands.retryOutboxItem).toHaveBeenCalledWith("a1");
    await fireEvent.click(screen.getByRole("button", { name: "Discard" }));
    expect(commands.discardOutboxItem).toHaveBeenCalledWith("a1");
  });

  it("shows a queued action as waiting, without buttons", () => {
    const view = makeView({
      pending_actions: [{ id: "a2", description: "Start conversation", outbox: { state: "queued" } }],
    });
    render(Banners, { view, error: null });
    expect(screen.getByText(/Start conversation — waiting for the server/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Retry" })).not.toBeInTheDocument();
  });

  it("offers Retry on a refused send and says when retrying fails", async () => {
    commands.retryOutboxItem.mockImplementation(() => fail("not_found", "There is no failed item with this id."));
    const message = makeMessage({
      key: "k1",
      id: null,
      kind: "operator",
      delivery: "pending",
      outbox: { state: "failed", error: "The conversation is closed.", code: "invalid_state", detail: null },
    });
    render(MessageItem, { message });
    expect(screen.getByRole("alert")).toHaveTextContent("The conversation is closed.");
    await fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(commands.retryOutboxItem).toHaveBeenCalledWith("k1");
    expect(await screen.findByText("There is no failed item with this id.")).toBeInTheDocument();
  });

  it("says when the cache was rebuilt, once, until dismissed", async () => {
    render(NoticeBanner);
    const message = "The local cache was damaged and is being rebuilt from the server.";
    await waitFor(() => {
      fire("noticeRaised", { notice: { kind: "cache_rebuilt", message } });
      expect(screen.getByRole("status")).toHaveTextContent(message);
    });
    fire("noticeRaised", { notice: { kind: "cache_rebuilt", message } });
    await waitFor(() => expect(screen.getAllByText(message)).toHaveLength(1));
    await fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByText(message)).not.toBeInTheDocument();
  });

  it("shows notices raised before it listened", async () => {
    const message = "The local cache was damaged and is being rebuilt from the server.";
    commands.deskNotices.mockImplementation(() => ok([{ kind: "cache_rebuilt", message }]));
    render(NoticeBanner);
    expect(await screen.findByText(message)).toBeInTheDocument();
  });
});
