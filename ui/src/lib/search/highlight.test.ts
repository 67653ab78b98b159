import { render } from "@testing-library/svelte";
import { describe, expect, it } from "vitest";
import Highlighted from "./Highlighted.svelte";
import { highlightParts } from "./highlight";

const marked = (text: string, query: string | null) =>
  highlightParts(text, query)
    .map((p) => (p.hit ? `[${p.text}]` : p.text))
    .join("");

describe("highlightParts", () => {
  it("marks every typed word at the beginning of words, case-insensitively", () => {
    expect(marked("Olivia Smith", "oli")).toBe("[Oli]via Smith");
    expect(marked("Where is my order? Order 42", "ord")).toBe("Where is my [ord]er? [Ord]er 42");
    expect(marked("Olivia Smith", "smi oli")).toBe("[Oli]via [Smi]th");
  });

  it("never marks the middle of a word (search starts at word beginnings)", () => {
    expect(marked("Reorder now", "ord")).toBe("Reorder now");
    expect(marked("Наталья Попова", "поп")).toBe("Наталья [Поп]ова");
  });

  it("leaves the text alone without a query", () => {
    expect(marked("Olivia", null)).toBe("Olivia");
    expect(marked("Olivia", "   ")).toBe("Olivia");
  });
});

describe("Highlighted", () => {
  it("renders marks as elements and the rest as text, never as HTML", () => {
    const { container } = render(Highlighted, { text: "<b>Oliver</b> said hi", query: "oli" });
    expect(container.querySelectorAll("mark")).toHaveLength(1);
    expect(container.querySelector("mark")?.textContent).toBe("Oli");
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toBe("<b>Oliver</b> said hi");
  });
});
