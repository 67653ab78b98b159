import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, resetFakes } from "../../test/fake-bindings";
import { makeSession } from "../../test/fixtures";
import StatusBar from "../statusbar/StatusBar.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

async function openDialog() {
  render(StatusBar, { conn: { state: "online" }, session: makeSession(), onsignout: () => {} });
  const user = userEvent.setup();
  await user.click(screen.getByRole("button", { name: "Change password" }));
  return user;
}

describe("Change password (every operator, from the status bar)", () => {
  beforeEach(resetFakes);

  it("changes it with the current password and says the other sessions ended", async () => {
    const user = await openDialog();
    await user.type(screen.getByLabelText("Current password"), "old-secret");
    await user.type(screen.getByLabelText("New password"), "a-long-new-one");
    await user.type(screen.getByLabelText("New password again"), "a-long-new-one");
    await user.click(document.querySelector("#password-save") as HTMLElement);
    await waitFor(() => expect(commands.changePassword).toHaveBeenCalledWith("old-secret", "a-long-new-one"));
    expect(await screen.findByText(/other sessions were signed out/)).toBeInTheDocument();
  });

  it("checks the two new passwords match before asking the server, and shows its refusal", async () => {
    const user = await openDialog();
    await user.type(screen.getByLabelText("Current password"), "wrong");
    await user.type(screen.getByLabelText("New password"), "a-long-new-one");
    await user.type(screen.getByLabelText("New password again"), "a-long-new-two");
    await user.click(document.querySelector("#password-save") as HTMLElement);
    expect(screen.getByRole("alert")).toHaveTextContent("differ");
    expect(commands.changePassword).not.toHaveBeenCalled();

    commands.changePassword.mockImplementation(() =>
      fail("invalid_state", "Your current password is not right; nothing was changed."),
    );
    await user.clear(screen.getByLabelText("New password again"));
    await user.type(screen.getByLabelText("New password again"), "a-long-new-one");
    await user.click(document.querySelector("#password-save") as HTMLElement);
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("current password is not right"));
  });
});
