import { fireEvent, render, screen } from "@testing-library/svelte";
import { describe, expect, it, vi } from "vitest";
import type { Tab, TabCounts } from "../ipc";
import TabBar from "./TabBar.svelte";

const counts: TabCounts = { unassigned: 4, inbox: 12, inbox_unread: 2, closed: 300, unread_total: 3 };
const tabsShown = () => [...document.querySelectorAll("[data-tab]")].map((el) => el.getAttribute("data-tab"));

const BASIC: Tab[] = ["unassigned", "inbox", "closed"];

describe("TabBar", () => {
  it("shows the tabs the session has and the My inbox count", () => {
    render(TabBar, { tabs: BASIC, active: "inbox", counts, onselect: () => {} });

    expect(tabsShown()).toEqual(["unassigned", "inbox", "closed"]);
    expect(document.querySelector("#inbox-count")).toHaveTextContent("12");
    expect(document.querySelector('[data-tab="inbox"]')).toHaveAttribute("aria-current", "page");
  });

  it("shows All and Blacklist when the session has them", () => {
    render(TabBar, { tabs: [...BASIC, "all", "blacklist"], active: "inbox", counts, onselect: () => {} });
    expect(tabsShown()).toEqual(["unassigned", "inbox", "closed", "all", "blacklist"]);
  });

  it("marks tabs with unread client messages", () => {
    render(TabBar, { tabs: BASIC, active: "closed", counts, onselect: () => {} });
    expect(document.querySelector('[data-tab="inbox"] .tab-dot')).not.toBeNull();
    expect(document.querySelector('[data-tab="unassigned"] .tab-dot')).not.toBeNull();
    expect(document.querySelector('[data-tab="closed"] .tab-dot')).toBeNull();
  });

  it("shows no dot when everything is read", () => {
    render(TabBar, {
      tabs: BASIC,
      active: "inbox",
      counts: { ...counts, inbox_unread: 0, unread_total: 0 },
      onselect: () => {},
    });
    expect(document.querySelector(".tab-dot")).toBeNull();
  });

  it("switches tabs", async () => {
    const onselect = vi.fn();
    render(TabBar, { tabs: BASIC, active: "inbox", counts, onselect });
    await fireEvent.click(screen.getByRole("button", { name: /Closed/ }));
    expect(onselect).toHaveBeenCalledWith("closed");
  });
});
