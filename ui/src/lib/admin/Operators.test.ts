import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import type { Operator } from "../ipc";
import Operators from "./Operators.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const op = (over: Partial<Operator>): Operator => ({
  id: 2,
  name: "Anna",
  email: "anna@acme.test",
  super_admin: false,
  role_id: null,
  group_ids: [],
  active: true,
  ...over,
});
const admin = op({ id: 7, name: "Boss", email: "boss@acme.test", super_admin: true });
const groups = [
  { id: 1, name: "1st line", color: "#3b82f6" },
  { id: 2, name: "2nd line", color: "#ef4444" },
];
const roles = [{ id: 5, name: "Supervisor", permissions: makeMe().permissions }];
const me = makeMe({ super_admin: true });

function serve(list: Operator[]) {
  commands.adminOperators.mockImplementation(() => ok(structuredClone(list)));
  commands.adminGroups.mockImplementation(() => ok(groups));
  commands.adminRoles.mockImplementation(() => ok(roles));
}

const row = (email: string) => document.querySelector(`[data-operator="${email}"]`) as HTMLElement;

describe("Administration › Operators", () => {
  beforeEach(resetFakes);

  it("lists name, email, role, groups and status", async () => {
    serve([admin, op({ role_id: 5, group_ids: [1, 2] }), op({ id: 3, name: "Bob", email: "bob@acme.test", active: false })]);
    render(Operators, { me });
    await waitFor(() => expect(row("anna@acme.test")).toBeTruthy());
    const anna = within(row("anna@acme.test"));
    expect(anna.getByText("Supervisor")).toBeInTheDocument();
    expect(anna.getByText("1st line, 2nd line")).toBeInTheDocument();
    expect(anna.getByText("Active")).toBeInTheDocument();
    expect(within(row("bob@acme.test")).getByText("Deactivated")).toBeInTheDocument();
    expect(within(row("bob@acme.test")).getByRole("button", { name: "Reactivate" })).toBeInTheDocument();
    expect(within(row("boss@acme.test")).getByText("Super-admin")).toBeInTheDocument();
    // Nobody deactivates themself: no such button on one's own row.
    expect(within(row("boss@acme.test")).queryByRole("button", { name: "Deactivate" })).toBeNull();
  });

  it("adds an operator in a group with a role and shows the one-time password once", async () => {
    serve([admin]);
    commands.adminCreateOperator.mockImplementation((req: { name: string; email: string }) =>
      ok({ operator: op({ id: 9, name: req.name, email: req.email }), one_time_password: "abcd-efgh-jkmn-pqrs" }),
    );
    render(Operators, { me });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add operator" }));
    await user.type(screen.getByLabelText("Name"), "Dana");
    await user.type(screen.getByLabelText("Email"), "dana@acme.test");
    await user.selectOptions(screen.getByLabelText("Role"), "Supervisor");
    await user.click(screen.getByLabelText("2nd line"));
    await user.click(document.querySelector("#operator-save") as HTMLElement);
    await waitFor(() => expect(commands.adminCreateOperator).toHaveBeenCalled());
    expect(commands.adminCreateOperator).toHaveBeenCalledWith({
      name: "Dana",
      email: "dana@acme.test",
      role_id: 5,
      group_ids: [2],
    });
    const shown = await screen.findByLabelText("One-time password");
    expect(shown).toHaveValue("abcd-efgh-jkmn-pqrs");
    expect(screen.getByText(/Shown once/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Done" }));
    expect(screen.queryByDisplayValue("abcd-efgh-jkmn-pqrs")).toBeNull();
  });

  it("shows the server's refusal in the form and keeps what was typed", async () => {
    serve([admin]);
    commands.adminCreateOperator.mockImplementation(() =>
      fail("conflict", "An operator with email dana@acme.test already exists; pick another email."),
    );
    render(Operators, { me });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add operator" }));
    await user.type(screen.getByLabelText("Name"), "Dana");
    await user.type(screen.getByLabelText("Email"), "dana@acme.test");
    await user.click(document.querySelector("#operator-save") as HTMLElement);
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("already exists"));
    expect(screen.getByLabelText("Name")).toHaveValue("Dana");
  });

  it("edits name, role and groups, sending only those", async () => {
    serve([admin, op({ group_ids: [1] })]);
    commands.adminUpdateOperator.mockImplementation((id: number) => ok(op({ id })));
    render(Operators, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("anna@acme.test")).toBeTruthy());
    await user.click(within(row("anna@acme.test")).getByRole("button", { name: "Edit" }));
    expect(screen.getByLabelText("Email")).toHaveAttribute("readonly");
    await user.clear(screen.getByLabelText("Name"));
    await user.type(screen.getByLabelText("Name"), "Anna A.");
    await user.click(screen.getByLabelText("1st line"));
    await user.click(screen.getByLabelText("2nd line"));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() =>
      expect(commands.adminUpdateOperator).toHaveBeenCalledWith(2, { name: "Anna A.", role_id: null, group_ids: [2] }),
    );
  });

  it("deactivates after a confirmation, and resets a password showing the new one once", async () => {
    serve([admin, op({})]);
    commands.adminUpdateOperator.mockImplementation(() => ok(op({ active: false })));
    commands.adminResetPassword.mockImplementation(() => ok({ operator: op({}), one_time_password: "zzzz-yyyy-xxxx-wwww" }));
    render(Operators, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("anna@acme.test")).toBeTruthy());
    await user.click(within(row("anna@acme.test")).getByRole("button", { name: "Deactivate" }));
    expect(commands.adminUpdateOperator).not.toHaveBeenCalled();
    const dialog = screen.getByRole("alertdialog");
    expect(dialog).toHaveTextContent("signed out everywhere");
    await user.click(within(dialog).getByRole("button", { name: "Deactivate" }));
    await waitFor(() => expect(commands.adminUpdateOperator).toHaveBeenCalledWith(2, { active: false }));

    await user.click(within(row("anna@acme.test")).getByRole("button", { name: "Reset password" }));
    await user.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Reset password" }));
    expect(await screen.findByLabelText("One-time password")).toHaveValue("zzzz-yyyy-xxxx-wwww");
  });

  it("offers nothing on a super-admin's row to a team lead", async () => {
    serve([admin, op({})]);
    render(Operators, { me: makeMe({ permissions: { manage_operators: true } }) });
    await waitFor(() => expect(row("boss@acme.test")).toBeTruthy());
    expect(within(row("boss@acme.test")).queryAllByRole("button")).toHaveLength(0);
    expect(within(row("anna@acme.test")).getByRole("button", { name: "Edit" })).toBeInTheDocument();
  });
});
