import { describe, expect, it } from "vitest";
import { refusalText } from "./refusal";

describe("refusalText", () => {
  it("names who took the conversation meanwhile", () => {
    expect(
      refusalText(
        "Start conversation",
        "The conversation is already taken by Anna Petrova. Ask them or a supervisor to assign it to you.",
      ),
    ).toBe("Anna Petrova took this conversation while you were offline.");
  });

  it("keeps the server's reason otherwise", () => {
    expect(refusalText("Move to Closed", "The conversation is already closed.")).toBe(
      "Move to Closed was refused: The conversation is already closed.",
    );
    expect(refusalText("Return to Unassigned", " ")).toBe(
      "Return to Unassigned was refused: The server refused it.",
    );
  });
});
