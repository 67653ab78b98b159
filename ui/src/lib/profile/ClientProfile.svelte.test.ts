import { render, screen, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { makeNote, makeView } from "../../test/fixtures";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import ClientProfile from "./ClientProfile.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const note = makeNote;

describe("client profile offline", () => {
  beforeEach(resetFakes);

  it("opens at once from the cache and asks the server again when the connection returns", async () => {
    commands.clientNotes.mockImplementation(() => ok([note(1, "Prefers email")]));
    commands.refreshClientNotes.mockImplementation(() =>
      fail("offline", "Cannot reach the server."),
    );
    const props = $state({ view: makeView(), online: false, onclose: () => {} });
    render(ClientProfile, props);

    expect(document.querySelector("#client-profile")).not.toBeNull();
    await waitFor(() => expect(screen.getByText("Prefers email")).toBeInTheDocument());
    await waitFor(() => expect(commands.refreshClientNotes).toHaveBeenCalledTimes(1));
    expect(document.querySelector("#client-profile .error")).toBeNull();

    commands.refreshClientNotes.mockImplementation(() => ok([note(1, "Prefers email"), note(2, "Written elsewhere")]));
    props.online = true;
    await waitFor(() => expect(screen.getByText("Written elsewhere")).toBeInTheDocument());
    expect(commands.refreshClientNotes).toHaveBeenCalledTimes(2);
  });
});
