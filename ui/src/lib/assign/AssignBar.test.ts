import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, ok, resetFakes } from "../../test/fake-bindings";
import { makeView } from "../../test/fixtures";
import type { AssignMenu, PinDisplay } from "../ipc";
import AssignBar from "./AssignBar.svelte";
import { pinLabel } from "./pin";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

function menu(over: Partial<AssignMenu> = {}): AssignMenu {
  return {
    conversation_id: 1,
    client_id: 11,
    operators: [
      { id: 7, name: "Anna Petrova", color: null },
      { id: 8, name: "Boris Ivanov", color: null },
    ],
    groups: [
      { id: 1, name: "1st line", color: "#3b82f6" },
      { id: 2, name: "2nd line", color: "#f97316" },
    ],
    pin: { kind: "fix", name: "Anna Petrova" },
    can_blacklist: false,
    blacklisted: false,
    can_outgoing: false,
    ...over,
  };
}

async function renderBar(m: AssignMenu) {
  commands.assignMenu.mockImplementation(() => ok(m));
  const onact = vi.fn();
  render(AssignBar, { view: makeView(), onact });
  await waitFor(() => expect(document.querySelector("#assign-operator")).toBeInTheDocument());
  return onact;
}

describe("pin labels", () => {
  it("has the seed's three displays", () => {
    const cases: [PinDisplay, string, boolean][] = [
      [{ kind: "fix", name: "Anna" }, "Fix (Anna)", true],
      [{ kind: "mine" }, "Detach", true],
      [{ kind: "other", name: "Bob" }, "Pinned (Bob)", false],
      [{ kind: "other_detachable", name: "Bob" }, "Detach (assigned to Bob)", true],
    ];
    for (const [p, text, clickable] of cases) expect(pinLabel(p)).toMatchObject({ text, clickable });
  });

  it("offers no Fix until the conversation is assigned (the core decides, see fix_target)", () => {
    expect(pinLabel({ kind: "unpinned" })).toBeNull();
  });
});

describe("AssignBar", () => {
  beforeEach(resetFakes);

  it("assigns to an operator and to a group through the outbox action", async () => {
    const onact = await renderBar(menu());
    await fireEvent.click(screen.getByText(/Assign to ▾/));
    await fireEvent.click(screen.getByText("Boris Ivanov"));
    expect(onact).toHaveBeenCalledWith({ action: "assign_operator", operator_id: 8 });
    await fireEvent.click(document.querySelector("#assign-group") as Element);
    await fireEvent.click(screen.getByText("2nd line"));
    expect(onact).toHaveBeenCalledWith({ action: "assign_group", group_id: 2 });
  });

  it("pins to me, and shows someone else's pin as plain text", async () => {
    await renderBar(menu());
    await fireEvent.click(screen.getByText("Fix (Anna Petrova)"));
    expect(commands.pinClient).toHaveBeenCalledWith(1, true);
    resetFakes();
    document.body.innerHTML = "";
    await renderBar(menu({ pin: { kind: "other", name: "Boris Ivanov" } }));
    const pinned = await screen.findByText("Pinned (Boris Ivanov)");
    expect(pinned.tagName).toBe("SPAN");
  });

  it("shows no pin control while the conversation is not assigned to anyone who may pin", async () => {
    await renderBar(menu({ pin: { kind: "unpinned" } }));
    expect(document.querySelector("#pin-client")).toBeNull();
    expect(screen.queryByText(/^Fix \(/)).toBeNull();
  });

  it("lets a super-admin fix the client to the operator the conversation is assigned to", async () => {
    await renderBar(menu({ pin: { kind: "fix", name: "Boris Ivanov" } }));
    await fireEvent.click(screen.getByText("Fix (Boris Ivanov)"));
    expect(commands.pinClient).toHaveBeenCalledWith(1, true);
  });

  it("asks before blacklisting and offers Unlock when blacklisted", async () => {
    await renderBar(menu({ can_blacklist: true }));
    await fireEvent.click(screen.getByText("Send to the black list"));
    expect(commands.blacklistClient).not.toHaveBeenCalled();
    await fireEvent.click(document.querySelector("#blacklist-confirm") as Element);
    expect(commands.blacklistClient).toHaveBeenCalledWith(1, true);
    resetFakes();
    document.body.innerHTML = "";
    commands.assignMenu.mockImplementation(() => ok(menu({ can_blacklist: true, blacklisted: true })));
    render(AssignBar, { view: makeView(), onact: vi.fn() });
    await fireEvent.click(await screen.findByText("Unlock conversation"));
    expect(commands.blacklistClient).toHaveBeenCalledWith(1, false);
  });

  it("hides the black list without the Blacklist tab", async () => {
    await renderBar(menu());
    expect(screen.queryByText("Send to the black list")).toBeNull();
  });
});
