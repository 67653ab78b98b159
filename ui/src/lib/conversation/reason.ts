/** Why the operator cannot reply in a conversation, in the seed's words. */
import type { ConversationView, Me } from "../ipc";

export function replyBlockedReason(view: ConversationView, me: Me): string {
  if (view.row.blacklisted || view.client.blacklisted) return "This client is in the blacklist.";
  switch (view.row.status) {
    case "unassigned":
      return "Start the conversation to reply.";
    case "closed":
      return "This conversation is closed. Start it again to reply.";
    case "inbox":
      return view.operator_id !== null && view.operator_id !== me.operator.id
        ? `This conversation is in ${view.row.operator_name ?? "another operator"}'s inbox.`
        : "You can't reply in this conversation.";
  }
  return "You can't reply in this conversation.";
}
