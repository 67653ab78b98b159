/** The conversation tabs of the seed and who may see them. */
import type { ConversationView, Me, Tab } from "../ipc";

export const TAB_LABELS: Record<Tab, string> = {
  unassigned: "Unassigned",
  inbox: "My inbox",
  closed: "Closed",
  all: "All",
  blacklist: "Blacklist",
};

/** All and Blacklist need "Conversations management" or "Show tab All"; a super-admin has
 * every tab. */
export function visibleTabs(me: Me): Tab[] {
  const extra =
    me.permissions.conversations_management || me.permissions.show_all_tab || me.operator.super_admin;
  return extra ? ["unassigned", "inbox", "closed", "all", "blacklist"] : ["unassigned", "inbox", "closed"];
}

/** The tab that lists an open conversation for `me` (a conversation opened from outside the
 * list, e.g. by clicking its notification, is shown where it lives); null when none of mine
 * does (the current tab is kept). */
export function tabFor(view: ConversationView, me: Me): Tab | null {
  const tabs = visibleTabs(me);
  const mine = view.operator_id === me.operator.id;
  const tab: Tab | null = view.client.blacklisted
    ? "blacklist"
    : view.row.status === "unassigned"
      ? "unassigned"
      : view.row.status === "inbox" && mine
        ? "inbox"
        : // Closed lists only what I closed last, which the view does not say: All, or stay.
          "all";
  return tabs.includes(tab) ? tab : null;
}
