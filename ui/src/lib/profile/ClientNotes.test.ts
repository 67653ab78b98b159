import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, ok, resetFakes } from "../../test/fake-bindings";
import { makeNote } from "../../test/fixtures";
import ClientNotes from "./ClientNotes.svelte";
import { ClientProfileState } from "./profile.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const note = makeNote;

describe("client notes added offline", () => {
  beforeEach(resetFakes);

  it("shows a queued note as pending, then as stored once the outbox drained", async () => {
    const profile = new ClientProfileState(11);
    render(ClientNotes, { profile });
    commands.addClientNote.mockImplementation(() => ok(note(-3, "Call after 5")));
    const user = userEvent.setup();
    await user.type(document.querySelector("#client-note-input") as HTMLElement, "Call after 5");
    await user.click(document.querySelector("#client-note-add") as HTMLElement);
    await waitFor(() => expect(document.querySelector(".client-note[data-pending]")).not.toBeNull());
    expect(screen.getByText("Anna · pending")).toBeInTheDocument();

    commands.clientNotes.mockImplementation(() => ok([note(42, "Call after 5")]));
    await profile.reloadCached();
    await waitFor(() => expect(document.querySelector(".client-note[data-pending]")).toBeNull());
    expect(screen.queryByText("Anna · pending")).toBeNull();
    expect(screen.getByText("Call after 5")).toBeInTheDocument();
  });
});
