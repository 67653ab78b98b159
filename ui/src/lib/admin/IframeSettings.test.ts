import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import IframeSettings from "./IframeSettings.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

describe("Settings › Advanced › Iframe integration", () => {
  beforeEach(resetFakes);

  it("loads the settings and saves the switch, the sites and the link lifetime", async () => {
    commands.iframeSettings.mockImplementation(() => ok({ enabled: false, origins: ["https://crm.example.com"], link_minutes: 60 }));
    commands.setIframeSettings.mockImplementation(() =>
      ok({ enabled: true, origins: ["https://crm.example.com", "https://tickets.example.com"], link_minutes: 30 }),
    );
    render(IframeSettings, { server: "https://desk.example.com" });
    const user = userEvent.setup();
    const box = await screen.findByLabelText(/Allowed sites/);
    expect(box).toHaveValue("https://crm.example.com");
    expect(screen.getByLabelText(/Let the sites below embed/)).not.toBeChecked();
    await user.click(screen.getByLabelText(/Let the sites below embed/));
    await user.type(box, "\nhttps://Tickets.example.com/");
    const minutes = screen.getByLabelText(/A link works for/);
    await user.clear(minutes);
    await user.type(minutes, "30");
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved.");
    expect(commands.setIframeSettings).toHaveBeenCalledWith({
      enabled: true,
      origins: ["https://crm.example.com", "https://Tickets.example.com/"],
      link_minutes: 30,
    });
    // The server's canonical list is shown.
    expect(box).toHaveValue("https://crm.example.com\nhttps://tickets.example.com");
  });

  it("shows the server's sentence when it refuses, and keeps what was typed", async () => {
    const sentence = "Name at least one origin allowed to frame conversations (e.g. https://crm.example.com).";
    commands.setIframeSettings.mockImplementation(() => fail("invalid_state", sentence));
    render(IframeSettings, { server: "https://desk.example.com" });
    const user = userEvent.setup();
    await user.click(await screen.findByLabelText(/Let the sites below embed/));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent(sentence));
    expect(screen.queryByRole("status")).toBeNull();
    expect(screen.getByLabelText(/Let the sites below embed/)).toBeChecked();
  });

  it("says how a CRM embeds a conversation on this server: the embed call and the iframe", async () => {
    render(IframeSettings, { server: "https://desk.example.com/" });
    await screen.findByLabelText(/Allowed sites/);
    expect(document.querySelector("#iframe-request")).toHaveTextContent("POST https://desk.example.com/api/v1/conversations/{id}/embed");
    expect(document.querySelector("#iframe-request")).toHaveTextContent("Authorization: Bearer <API token>");
    expect(document.querySelector("#iframe-snippet")).toHaveTextContent('<iframe src="https://desk.example.com/embed/…"');
    expect(screen.getByText(/token create --name CRM/)).toBeInTheDocument();
  });
});
