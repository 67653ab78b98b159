import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import { makeMe } from "../../test/fixtures";
import Groups from "./Groups.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const groups = [
  { id: 1, name: "1st line", color: "#3b82f6" },
  { id: 2, name: "2nd line", color: "#ef4444" },
];
const operator = (id: number, email: string, group_ids: number[]) => ({
  id,
  name: email.split("@")[0],
  email,
  super_admin: false,
  role_id: null,
  group_ids,
  active: true,
});
const me = makeMe({ super_admin: true });
const row = (name: string) => document.querySelector(`[data-group-row="${name}"]`) as HTMLElement;

describe("Administration › Groups", () => {
  beforeEach(() => {
    resetFakes();
    commands.adminGroups.mockImplementation(() => ok(groups));
    commands.adminOperators.mockImplementation(() =>
      ok([operator(2, "anna@acme.test", [1]), operator(3, "dave@acme.test", [2]), operator(4, "olga@acme.test", [])]),
    );
  });

  it("creates a group with a name and a colour", async () => {
    commands.adminCreateGroup.mockImplementation(() => ok({ id: 3, name: "VIP", color: "#10b981" }));
    render(Groups, { me });
    const user = userEvent.setup();
    await user.click(await screen.findByRole("button", { name: "Add group" }));
    await user.type(screen.getByLabelText("Name"), "VIP");
    const color = screen.getByLabelText("Colour") as HTMLInputElement;
    color.value = "#10b981";
    color.dispatchEvent(new Event("input", { bubbles: true }));
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(commands.adminCreateGroup).toHaveBeenCalledWith({ name: "VIP", color: "#10b981" }));
    await waitFor(() => expect(document.querySelector("#group-form")).toBeNull());
  });

  it("renames, and shows the server's refusal of a duplicate name", async () => {
    commands.adminUpdateGroup.mockImplementation(() => fail("conflict", 'The group "2nd line" already exists.'));
    render(Groups, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("1st line")).toBeTruthy());
    await user.click(within(row("1st line")).getByRole("button", { name: "Edit" }));
    await user.clear(screen.getByLabelText("Name"));
    await user.type(screen.getByLabelText("Name"), "2nd line");
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("already exists"));
    expect(commands.adminUpdateGroup).toHaveBeenCalledWith(1, { name: "2nd line", color: "#3b82f6" });
  });

  it("edits the members from the group: only the operators whose membership changed", async () => {
    commands.adminUpdateOperator.mockImplementation((id: number) => ok(operator(id, "x@acme.test", [])));
    render(Groups, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("1st line")).toBeTruthy());
    expect(within(row("1st line")).getByText("1")).toBeInTheDocument();
    await user.click(within(row("1st line")).getByRole("button", { name: "Members" }));
    const anna = document.querySelector('[data-member="anna@acme.test"]') as HTMLInputElement;
    expect(anna).toBeChecked();
    await user.click(anna);
    await user.click(document.querySelector('[data-member="olga@acme.test"]') as HTMLElement);
    await user.click(screen.getByRole("button", { name: "Save" }));
    await waitFor(() => expect(commands.adminUpdateOperator).toHaveBeenCalledTimes(2));
    expect(commands.adminUpdateOperator).toHaveBeenCalledWith(2, { group_ids: [] });
    expect(commands.adminUpdateOperator).toHaveBeenCalledWith(4, { group_ids: [1] });
  });

  it("deletes only with a place for its conversations when the server asks for one", async () => {
    commands.adminDeleteGroup.mockImplementation((_id: number, moveTo: number | null) =>
      moveTo === null
        ? fail("conflict", "The group still has 2 conversation(s) and 1 channel(s); choose a group to move them to.")
        : ok(null),
    );
    render(Groups, { me });
    const user = userEvent.setup();
    await waitFor(() => expect(row("2nd line")).toBeTruthy());
    await user.click(within(row("2nd line")).getByRole("button", { name: "Delete" }));
    const select = screen.getByLabelText(/Move its conversations and channels to/);
    // The group itself is not a choice.
    expect(within(select).queryByText("2nd line")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Delete group" }));
    await waitFor(() => expect(screen.getByRole("alert")).toHaveTextContent("2 conversation(s) and 1 channel(s)"));
    await user.selectOptions(select, "1st line");
    await user.click(screen.getByRole("button", { name: "Delete group" }));
    await waitFor(() => expect(commands.adminDeleteGroup).toHaveBeenLastCalledWith(2, 1));
    await waitFor(() => expect(document.querySelector("#group-delete")).toBeNull());
  });
});
