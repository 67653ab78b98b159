import { describe, expect, it } from "vitest";
import { refusalText } from "./refusal";

const failed = (error: string, detail: Parameters<typeof refusalText>[1]["detail"] = null) => ({
  state: "failed" as const,
  error,
  code: detail ? "conflict" : "invalid_state",
  detail,
});

describe("refusalText", () => {
  it("names who took the conversation meanwhile, from the refusal's fields", () => {
    const taken = failed("Whatever the server's sentence says today.", {
      kind: "taken_by",
      operator_id: 5,
      operator_name: "Anna Petrova",
    });
    expect(refusalText("Start conversation", taken)).toBe("Anna Petrova took this conversation while you were offline.");
  });

  it("says whom a client is pinned to", () => {
    const pinned = failed("Reworded.", { kind: "pinned_to", operator_id: 6, operator_name: "Boris" });
    expect(refusalText("Pin the client", pinned)).toBe(
      "Pin the client was refused: the client is pinned to Boris, who must detach them first.",
    );
  });

  it("keeps the server's reason otherwise", () => {
    expect(refusalText("Move to Closed", failed("The conversation is already closed."))).toBe(
      "Move to Closed was refused: The conversation is already closed.",
    );
    expect(refusalText("Return to Unassigned", failed(" "))).toBe(
      "Return to Unassigned was refused: The server refused it.",
    );
  });
});
