import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import Roles from "./Roles.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const none = makeMe().permissions;
const roles = [{ id: 5, name: "Supervisor", permissions: { ...none, show_all_tab: true } }];
const row = (name: string) => document.querySelector(`[data-role-row="${name}"]`) as HTMLElement;

describe("Administration › Roles", () => {
  beforeEach(() => {
    resetFakes();
    commands.adminRoles.mockImplementation(() => ok(roles));
  });

  it("creates a role with permissions ticked as checkboxes", async () => {
    commands.adminCreateRole.mockImplementation(() => ok({ id: 6, name: "Team lead", permissions: none }));
    render(Roles, { me: makeMe({ super_admin: true }) });
    const user = userEvent.setup();
    await waitFor(() => expect(within(row("Supervisor")).getByText("Show the All tab")).toBeInTheDocument());
    await user.click(screen.getByRole("button", { name: "Add role" }));
    await user.type(screen.getByLabelText("Name"), "Team lead");
    // Every permission the server knows is a checkbox, each with its name in words.
    expect(document.querySelectorAll("[data-permission]")).toHaveLength(Object.keys(none).length);
    expect(screen.getByLabelText("View the action log")).not.toBeChecked();
    expect(screen.getByLabelText("Download conversations (Send to Email)")).not.toBeChecked();
    await user.click(screen.getByLabelText(/Manage operators/));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(commands.adminCreateRole).toHaveBeenCalledWith({
        name: "Team lead",
        permissions: { ...none, manage_operators: true },
      }),
    );
  });

  it("shows the server's sentence for permissions beyond the admin's own", async () => {
    commands.adminUpdateRole.mockImplementation(() =>
      fail("forbidden", "You cannot give permissions you do not have yourself: manage_settings."),
    );
    render(Roles, { me: makeMe({ permissions: { manage_operators: true } }) });
    const user = userEvent.setup();
    await waitFor(() => expect(row("Supervisor")).toBeTruthy());
    await user.click(within(row("Supervisor")).getByRole("button", { name: "Edit" }));
    expect(screen.getByLabelText("Show the All tab")).toBeChecked();
    await user.click(screen.getByLabelText(/Manage settings/));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(screen.getByRole("alert")).toHaveTextContent("permissions you do not have yourself: manage_settings"),
    );
    expect(commands.adminUpdateRole).toHaveBeenCalledWith(5, {
      name: "Supervisor",
      permissions: { ...none, show_all_tab: true, manage_settings: true },
    });
  });

  it("deletes after a confirmation; a role still held is refused with the server's sentence", async () => {
    commands.adminDeleteRole.mockImplementation(() => fail("conflict", "2 operator(s) have the role Supervisor."));
    render(Roles, { me: makeMe({ super_admin: true }) });
    const user = userEvent.setup();
    await waitFor(() => expect(row("Supervisor")).toBeTruthy());
    await user.click(within(row("Supervisor")).getByRole("button", { name: "Delete" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete role" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("2 operator(s) have the role"));
    expect(commands.adminDeleteRole).toHaveBeenCalledWith(5);
  });
});
