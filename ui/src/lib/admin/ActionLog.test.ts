import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, fail, ok, resetFakes } from "../../test/fake-bindings";
import ActionLog from "./ActionLog.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

const noFilter = { actor: null, target_type: null, target_id: null, action: null, from: null, to: null };

function row(id: number, over: Record<string, unknown> = {}) {
  return {
    id,
    actor_operator_id: 1,
    actor_name: "Boss",
    via_api: false,
    target_type: "group",
    target_id: 7,
    target_name: "Night shift",
    action: "group_created",
    ip: "203.0.113.9",
    created_at: Date.UTC(2026, 10, 29, 6, 40),
    note: "Created the group",
    details: {},
    ...over,
  };
}

describe("the action log", () => {
  beforeEach(resetFakes);

  it("shows the six columns in the seed's order, newest first", async () => {
    commands.actionLog.mockImplementation(() =>
      ok({
        rows: [row(2), row(1, { actor_name: "Anna", via_api: true, target_name: null, target_type: "operator", target_id: 9, action: "password_reset", note: "Reset the operator's password", ip: null })],
        next_cursor: null,
      }),
    );
    render(ActionLog);
    await waitFor(() => expect(document.querySelector('[data-log-row="2"]')).not.toBeNull());
    const headers = screen.getAllByRole("columnheader").map((h) => h.textContent);
    expect(headers).toEqual(["Actor", "Target account", "Action", "IP address", "Date and time", "Note"]);
    const first = within(document.querySelector('[data-log-row="2"]') as HTMLElement).getAllByRole("cell");
    expect(first.map((c) => c.textContent)).toEqual([
      "Boss",
      "Night shift",
      "group_created",
      "203.0.113.9",
      expect.stringContaining("2026"),
      "Created the group",
    ]);
    const second = within(document.querySelector('[data-log-row="1"]') as HTMLElement).getAllByRole("cell");
    expect(second[0]).toHaveTextContent("Anna (API)");
    expect(second[1]).toHaveTextContent("operator 9 (deleted)");
    expect(commands.actionLog).toHaveBeenCalledWith(noFilter, null);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("sends the filters and follows the cursor with Load more", async () => {
    commands.filterOptions.mockImplementation(() => ok({ groups: [], operators: [{ id: 5, name: "Anna", color: null }] }));
    commands.actionLog.mockImplementation((_f: unknown, cursor: string | null) =>
      cursor === "next" ? ok({ rows: [row(1)], next_cursor: null }) : ok({ rows: [row(3), row(2)], next_cursor: "next" }),
    );
    render(ActionLog);
    const user = userEvent.setup();
    await waitFor(() => expect(screen.getByRole("option", { name: "Anna" })).toBeInTheDocument());
    await user.selectOptions(screen.getByLabelText("Actor"), "5");
    await user.selectOptions(screen.getByLabelText("Target"), "group");
    await user.type(screen.getByLabelText("Target id"), "7");
    await user.selectOptions(screen.getByLabelText("Action"), "group_created");
    await user.type(screen.getByLabelText("From"), "2026-11-01");
    await user.type(screen.getByLabelText("To"), "2026-11-30");
    await user.click(screen.getByRole("button", { name: "Apply" }));
    const expected = {
      actor: 5,
      target_type: "group",
      target_id: 7,
      action: "group_created",
      from: new Date(2026, 10, 1).getTime(),
      to: new Date(2026, 10, 30).getTime() + 86_400_000 - 1,
    };
    await waitFor(() => expect(commands.actionLog).toHaveBeenLastCalledWith(expected, null));
    await user.click(await screen.findByRole("button", { name: "Load more" }));
    await waitFor(() => expect(document.querySelector('[data-log-row="1"]')).not.toBeNull());
    expect(commands.actionLog).toHaveBeenLastCalledWith(expected, "next");
    expect(document.querySelectorAll("[data-log-row]")).toHaveLength(3);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("exports the filtered log as CSV and says where it was saved", async () => {
    commands.exportActionLog.mockImplementation(() => ok("/home/boss/action-log.csv"));
    render(ActionLog);
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText("Action"), "rename");
    await user.click(screen.getByRole("button", { name: "Export CSV" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved to /home/boss/action-log.csv");
    expect(commands.exportActionLog).toHaveBeenCalledWith({ ...noFilter, action: "rename" });
  });

  it("shows the server's refusal as it said it", async () => {
    commands.actionLog.mockImplementation(() => fail("forbidden", "Only a super-admin can see or change Settings › Advanced."));
    render(ActionLog);
    expect(await screen.findByRole("alert")).toHaveTextContent("Only a super-admin can see or change Settings › Advanced.");
  });
});
