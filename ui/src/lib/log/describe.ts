/**
 * The conversation log in plain words (seed: the assignment "is displayed in the conversation
 * log"; "all movements of the dialogue are stored"). Only movements are listed — messages,
 * notes and tags are in the thread already — plus "Send to Email", which leaves no trace there.
 */
import type { LogEntry } from "../ipc";

/** Who did it: the operator's name, "The client" for a channel's message, and the API noted. */
function who(e: LogEntry): string {
  const name = e.operator_name ?? (e.operator_id !== null ? `Operator ${e.operator_id}` : "The client");
  return e.via_api ? `${name} (through the API)` : name;
}

/** The operator or group the row names, by its current name. */
function subject(e: LogEntry, fallback: string): string {
  return e.subject_name ?? fallback;
}

/** One line for a movement, or `null` for rows the log panel leaves out. */
export function describeLogEntry(e: LogEntry): string | null {
  const d = e.details;
  const pinnedTo = d.operator_id != null ? subject(e, `operator ${d.operator_id}`) : null;
  switch (e.action) {
    case "created":
      if (d.source === "outgoing_whatsapp") return `${who(e)} wrote to the client first (outgoing WhatsApp)`;
      return pinnedTo
        ? `The client wrote; the client is pinned to ${pinnedTo}, so it went to their My inbox`
        : "The client wrote; the conversation arrived in Unassigned";
    case "reopened":
      return pinnedTo
        ? `The client wrote again; it went back to ${pinnedTo}'s My inbox (pinned client)`
        : "The client wrote again; the conversation went back to Unassigned";
    case "start":
      return `${who(e)} started the conversation; it is in their My inbox`;
    case "close":
      return `${who(e)} closed the conversation`;
    case "unassign":
      return `${who(e)} returned the conversation to Unassigned`;
    case "assign_operator":
      return `${who(e)} assigned the conversation to ${subject(e, `operator ${d.operator_id ?? "?"}`)}`;
    case "assign_group":
      return `${who(e)} assigned the conversation to the group ${subject(e, `${d.group_id ?? "?"}`)}`;
    case "conversation_emailed":
      return `${who(e)} sent the conversation by email to ${d.email_to ?? "an address"}`;
    default:
      return null;
  }
}

/** The rows to list, oldest first, with their sentence. */
export function logLines(entries: LogEntry[]): { id: number; at: number; text: string }[] {
  return entries.flatMap((e) => {
    const text = describeLogEntry(e);
    return text === null ? [] : [{ id: e.id, at: e.created_at, text }];
  });
}
