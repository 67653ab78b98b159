import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import PersonalData from "./PersonalData.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const groups = [
  { id: 1, name: "1st line", color: "#3b82f6" },
  { id: 2, name: "VIP", color: "#f59e0b" },
];

describe("hide personal data", () => {
  beforeEach(resetFakes);

  it("turns it on with avatars and an exempt group", async () => {
    commands.adminGroups.mockImplementation(() => ok(groups));
    commands.personalData.mockImplementation(() => ok({ enabled: false, hide_avatars: false, exempt_group_ids: [] }));
    commands.setPersonalData.mockImplementation((s: unknown) => ok(s));
    render(PersonalData);
    const user = userEvent.setup();
    const on = await screen.findByLabelText(/Hide data for all operators besides Super-Admin/);
    const avatars = screen.getByLabelText("Hide avatars");
    expect(avatars).toBeDisabled();
    await user.click(on);
    await user.click(avatars);
    await user.click(screen.getByLabelText(/VIP/));
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved.");
    expect(commands.setPersonalData).toHaveBeenCalledWith({ enabled: true, hide_avatars: true, exempt_group_ids: [2] });
  });

  it("shows the server's sentence when it refuses", async () => {
    commands.adminGroups.mockImplementation(() => ok(groups));
    commands.personalData.mockImplementation(() => ok({ enabled: true, hide_avatars: false, exempt_group_ids: [1] }));
    commands.setPersonalData.mockImplementation(() => fail("forbidden", "Only a super-admin can see or change Settings › Advanced."));
    render(PersonalData);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByLabelText(/1st line/)).toBeChecked());
    await user.click(screen.getByRole("button", { name: "Save" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Only a super-admin can see or change Settings › Advanced.");
  });
});
