/** The conversation tabs of the seed and who may see them. */
import type { Me, Tab } from "../ipc";

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
