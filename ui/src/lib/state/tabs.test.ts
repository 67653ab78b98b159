import { describe, expect, it } from "vitest";
import { makeMe, makeRow, makeView } from "../../test/fixtures";
import { tabFor } from "./tabs";

describe("tabFor (the tab a clicked notification's conversation is shown in)", () => {
  const me = makeMe(); // operator 7, plain role: Unassigned, My inbox, Closed
  const admin = makeMe({ super_admin: true });
  const view = (status: "unassigned" | "inbox" | "closed", operator_id: number | null, blacklisted = false) => {
    const v = makeView({ row: makeRow({ status }), operator_id });
    return { ...v, client: { ...v.client, blacklisted } };
  };

  it("uses the tab of the conversation's status for me", () => {
    expect(tabFor(view("unassigned", null), me)).toBe("unassigned");
    expect(tabFor(view("inbox", 7), me)).toBe("inbox");
  });

  it("shows someone else's or a closed conversation in All when I have it, else keeps the tab", () => {
    expect(tabFor(view("inbox", 9), admin)).toBe("all");
    expect(tabFor(view("closed", 7), admin)).toBe("all");
    expect(tabFor(view("inbox", 9), me)).toBeNull();
    expect(tabFor(view("closed", 7), me)).toBeNull();
  });

  it("shows a blacklisted client in the Blacklist tab when I have it", () => {
    expect(tabFor(view("unassigned", null, true), admin)).toBe("blacklist");
    expect(tabFor(view("unassigned", null, true), me)).toBeNull();
  });
});
