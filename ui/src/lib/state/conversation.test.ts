import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeMessage, makeView } from "../../test/fixtures";
import { OpenConversation } from "./conversation.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const msgs = (ids: number[]) => ids.map((id) => makeMessage({ id, text: `#${id}` }));
const ids = (c: OpenConversation) => c.messages.map((m) => m.id ?? m.key);

describe("OpenConversation", () => {
  beforeEach(resetFakes);

  it("loads older pages above and keeps them across reloads", async () => {
    commands.openConversation.mockImplementation(() => ok(makeView({ messages: msgs([10, 11, 12]), has_older: true })));
    commands.olderMessages.mockImplementation(() => ok(msgs([7, 8, 9])));
    const c = new OpenConversation();
    await c.open(1);
    expect(ids(c)).toEqual([10, 11, 12]);

    await c.loadOlder();
    expect(commands.olderMessages).toHaveBeenCalledWith(1, 10);
    expect(ids(c)).toEqual([7, 8, 9, 10, 11, 12]);
    expect(c.hasOlder).toBe(true);

    commands.openConversation.mockImplementation(() => ok(makeView({ messages: msgs([11, 12, 13]), has_older: true })));
    await c.reload();
    expect(ids(c)).toEqual([7, 8, 9, 10, 11, 12, 13]);

    commands.olderMessages.mockImplementation(() => ok([]));
    await c.loadOlder();
    expect(c.hasOlder).toBe(false);
  });

  it("shows a send at once and drops the pending copy when the reload has the stored message", async () => {
    commands.openConversation.mockImplementation(() => ok(makeView({ messages: msgs([1]) })));
    const pending = makeMessage({ id: null, key: "uuid-9", kind: "operator", outbox: { state: "queued" } });
    commands.sendMessage.mockImplementation(() => ok(pending));
    const c = new OpenConversation();
    await c.open(5);
    await c.send("hi", false);
    expect(ids(c)).toEqual([1, "uuid-9"]);

    commands.openConversation.mockImplementation(() => ok(makeView({ messages: msgs([1, 2]) })));
    await c.reload();
    expect(ids(c)).toEqual([1, 2]);
  });

  it("ignores an answer for a conversation no longer open", async () => {
    let answer: (v: unknown) => void = () => {};
    commands.openConversation.mockImplementationOnce(() => new Promise((r) => (answer = r)) as never);
    commands.openConversation.mockImplementation(() => ok(makeView({ messages: msgs([20]) })));
    const c = new OpenConversation();
    const first = c.open(1);
    const second = c.open(2);
    answer({ status: "ok", data: makeView({ messages: msgs([99]) }) });
    await Promise.all([first, second]);
    expect(c.id).toBe(2);
    expect(ids(c)).toEqual([20]);
  });

  it("reports a failed open, but keeps a shown thread when a refresh fails", async () => {
    commands.openConversation.mockImplementation(() => fail("not_found", "This conversation is no longer available."));
    const c = new OpenConversation();
    await c.open(3);
    expect(c.error).toBe("This conversation is no longer available.");

    commands.openConversation.mockImplementation(() => ok(makeView({ messages: msgs([1]) })));
    await c.open(4);
    commands.openConversation.mockImplementation(() => fail("cache", "disk full"));
    await c.reload();
    expect(c.error).toBeNull();
    expect(ids(c)).toEqual([1]);
  });

  it("runs actions and shows their errors", async () => {
    commands.openConversation.mockImplementation(() => ok(makeView()));
    commands.conversationAction.mockImplementation(() => fail("invalid_state", "Marcus already closed it."));
    const c = new OpenConversation();
    await c.open(8);
    await c.act({ action: "close" });
    expect(commands.conversationAction).toHaveBeenCalledWith(8, { action: "close" });
    expect(c.actionError).toBe("Marcus already closed it.");
    expect(c.busyAction).toBeNull();
  });
});
