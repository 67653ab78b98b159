import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import { makeMe } from "../../test/fixtures";
import type { TabCounts } from "../ipc";
import TabBar from "./TabBar.svelte";

const counts: TabCounts = { unassigned: 4, inbox: 12, inbox_unread: 2, closed: 300, unread_total: 3 };
const tabsShown = () => [...document.querySelectorAll("[data-tab]")].map((el) => el.getAttribute("data-tab"));

describe("TabBar", () => {
  it("hides All and Blacklist without permissions and shows the My inbox count", () => {
    render(TabBar, { me: makeMe(), active: "inbox", counts, onselect: () => {} });

    expect(tabsShown()).toEqual(["unassigned", "inbox", "closed"]);
    expect(document.querySelector("#inbox-count")).toHaveTextContent("12");
    expect(document.querySelector('[data-tab="inbox"]')).toHaveAttribute("aria-current", "page");
  });

  it.each([
    ["conversations management", makeMe({ permissions: { conversations_management: true } })],
    ["show All tab", makeMe({ permissions: { show_all_tab: true } })],
    ["super-admin", makeMe({ super_admin: true })],
  ])("shows All and Blacklist for %s", (_, me) => {
    render(TabBar, { me, active: "inbox", counts, onselect: () => {} });
    expect(tabsShown()).toEqual(["unassigned", "inbox", "closed", "all", "blacklist"]);
  });

  it("marks tabs with unread client messages", () => {
    render(TabBar, { me: makeMe(), active: "closed", counts, onselect: () => {} });
    expect(document.querySelector('[data-tab="inbox"] .tab-dot')).not.toBeNull();
    expect(document.querySelector('[data-tab="unassigned"] .tab-dot')).not.toBeNull();
    expect(document.querySelector('[data-tab="closed"] .tab-dot')).toBeNull();
  });

  it("shows no dot when everything is read", () => {
    render(TabBar, {
      me: makeMe(),
      active: "inbox",
      counts: { ...counts, inbox_unread: 0, unread_total: 0 },
      onselect: () => {},
    });
    expect(document.querySelector(".tab-dot")).toBeNull();
  });

  it("switches tabs", async () => {
    const onselect = vi.fn();
    render(TabBar, { me: makeMe(), active: "inbox", counts, onselect });
    await fireEvent.click(screen.getByRole("button", { name: /Closed/ }));
    expect(onselect).toHaveBeenCalledWith("closed");
  });
});
