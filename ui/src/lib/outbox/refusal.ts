/**
 * How an outbox item the server refused reads to the operator. The commonest refusal after
 * working offline is a conversation someone else took meanwhile (409 "already taken by
 * NAME"); it gets its own sentence, everything else shows the server's reason.
 */
const TAKEN = /already taken by (.+?)\.(?:\s|$)/;

export function refusalText(description: string, error: string): string {
  const taken = TAKEN.exec(error);
  if (taken) return `${taken[1]} took this conversation while you were offline.`;
  const reason = error.trim() || "The server refused it.";
  return `${description} was refused: ${reason}`;
}
