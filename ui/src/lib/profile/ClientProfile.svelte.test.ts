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

describe("client profile contact", () => {
  beforeEach(resetFakes);

  it("shows the contact the server sent", async () => {
    const view = makeView();
    view.client = {
      ...view.client,
      external_id: "+15550199",
      contact: { phone: "+1 555 0199", email: "marta@mail.example", username: "@martak", profile_url: "https://t.me/martak" },
    };
    render(ClientProfile, { view, online: true, onclose: () => {} });
    expect(screen.getByText("+1 555 0199")).toBeInTheDocument();
    expect(screen.getByText("marta@mail.example")).toBeInTheDocument();
    expect(screen.getByText("@martak")).toBeInTheDocument();
    expect(screen.getByText("https://t.me/martak")).toBeInTheDocument();
    expect(document.querySelector("#client-contact-hidden")).toBeNull();
  });

  it("says the contact is hidden when the company hides it", async () => {
    const view = makeView();
    view.client = { ...view.client, external_id: "", contact: {}, contact_hidden: true };
    render(ClientProfile, { view, online: true, onclose: () => {} });
    expect(screen.getByText("Hidden by your company's privacy settings")).toBeInTheDocument();
    expect(document.querySelector("#client-phone")).toBeNull();
    expect(document.querySelector("#client-external-id")).toBeNull();
  });
});
