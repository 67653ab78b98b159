/**
 * How an outbox item the server refused reads to the operator. The commonest refusal after
 * working offline is a conversation someone else took meanwhile; it gets its own sentence,
 * built from the refusal's fields (never from the server's wording). Everything else shows the
 * server's reason.
 */
import type { OutboxState } from "../ipc";

type Failed = Extract<OutboxState, { state: "failed" }>;

export function refusalText(description: string, failed: Failed): string {
  switch (failed.detail?.kind) {
    case "taken_by":
      return `${failed.detail.operator_name} took this conversation while you were offline.`;
    case "pinned_to":
      return `${description} was refused: the client is pinned to ${failed.detail.operator_name}, who must detach them first.`;
    default: {
      const reason = failed.error.trim() || "The server refused it.";
      return `${description} was refused: ${reason}`;
    }
  }
}
