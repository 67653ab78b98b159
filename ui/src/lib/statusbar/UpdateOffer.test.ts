import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import UpdateOffer from "./UpdateOffer.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

describe("the update offer", () => {
  beforeEach(resetFakes);

  it("shows nothing while the server offers nothing, or cannot be asked", async () => {
    commands.checkUpdate.mockImplementation(() => fail("offline", "Cannot reach the server."));
    render(UpdateOffer);
    await waitFor(() => expect(commands.checkUpdate).toHaveBeenCalled());
    expect(document.querySelector("#update-offer")).toBeNull();
  });

  it("offers a newer version with its notes and installs it when asked", async () => {
    commands.checkUpdate.mockImplementation(() => ok({ version: "0.2.0", current_version: "0.1.0", notes: "Faster first sync" }));
    commands.installUpdate.mockImplementation(() => fail("server", "The update was not installed: signature verification failed"));
    render(UpdateOffer);
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Update 0.2.0 available" }));
    expect(screen.getByText(/Version 0.2.0 is available \(you have 0.1.0\)/)).toBeInTheDocument();
    expect(screen.getByText("Faster first sync")).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Install and restart" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("signature verification failed");
    expect(commands.installUpdate).toHaveBeenCalledTimes(1);
  });
});
