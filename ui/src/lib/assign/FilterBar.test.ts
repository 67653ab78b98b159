import { fireEvent, render, waitFor } from "@testing-library/svelte";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { commands, ok, resetFakes } from "../../test/fake-bindings";
import { FIRST_PAGE } from "../ipc";
import { ConversationList, filtersFor } from "../state/conversations.svelte";
import FilterBar from "./FilterBar.svelte";

vi.mock("../bindings", () => import("../../test/fake-bindings"));

describe("FilterBar", () => {
  beforeEach(resetFakes);

  it("applies only the filters a tab has", () => {
    const f = { group_id: 1, status: "closed" as const, operator_id: 8 };
    expect(filtersFor("inbox", f)).toEqual({ group_id: 1, status: null, operator_id: null });
    expect(filtersFor("blacklist", f)).toEqual({ group_id: 1, status: null, operator_id: 8 });
    expect(filtersFor("all", f)).toEqual(f);
  });

  it("shows status and operators in All and sends the chosen filters", async () => {
    commands.filterOptions.mockImplementation(() =>
      ok({ groups: [{ id: 2, name: "2nd line", color: "#f97316" }], operators: [{ id: 8, name: "Boris", color: null }] }),
    );
    const list = new ConversationList();
    list.tab = "inbox";
    const r = render(FilterBar, { list });
    expect(document.querySelector("#filter-status")).toBeNull();
    expect(document.querySelector("#filter-operator")).toBeNull();
    r.unmount();
    list.tab = "all";
    render(FilterBar, { list });
    await waitFor(() => expect(document.querySelectorAll("#filter-group option")).toHaveLength(2));
    const group = document.querySelector("#filter-group") as HTMLSelectElement;
    group.value = "2";
    await fireEvent.change(group);
    const status = document.querySelector("#filter-status") as HTMLSelectElement;
    status.value = "closed";
    await fireEvent.change(status);
    await waitFor(() =>
      expect(commands.listConversations).toHaveBeenLastCalledWith({
        tab: "all",
        search: null,
        group_id: 2,
        status: "closed",
        operator_id: null,
      }, FIRST_PAGE),
    );
  });
});
