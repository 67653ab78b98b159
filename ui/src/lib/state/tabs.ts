/** The labels of the seed's conversation tabs. Which tabs an operator has, and which tab lists
 * a conversation, are decided in Rust (`switchboard_protocol::tabs`) and arrive with the
 * session (`SessionInfo.tabs`) and the open conversation (`ConversationView.tab`). */
import type { Tab } from "../ipc";

export const TAB_LABELS: Record<Tab, string> = {
  unassigned: "Unassigned",
  inbox: "My inbox",
  closed: "Closed",
  all: "All",
  blacklist: "Blacklist",
};
