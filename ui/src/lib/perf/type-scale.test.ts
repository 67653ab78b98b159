// The desk's type scale is kept small on purpose: WebKitGTK sets up every distinct font
// (family, size, weight, style, numeric variant) the page uses, ~1 ms each, before the first
// screen can be laid out (budget 6, docs/BENCHMARKS.md). These checks keep a
// new component from quietly adding another weight or variant.
import { describe, expect, it } from "vitest";

/** Every component, by path from `src/` (the global sheet, app.css, holds the page's own
 * rules; the test runner does not load CSS files). */
const files = Object.entries(import.meta.glob<string>("../../**/*.svelte", { query: "?raw", import: "default", eager: true })).map(
  ([path, text]) => ({ path: path.replace(/^(\.\.\/)+/, ""), text }),
);

/** `property: value` declarations of every component's styles, with where they are. */
function declarations(property: string): { file: string; value: string }[] {
  const pattern = new RegExp(`(?<![\\w-])${property}:\\s*([^;}]+)`, "g");
  return files.flatMap(({ path, text }) => [...text.matchAll(pattern)].map((m) => ({ file: path, value: (m[1] ?? "").trim() })));
}

describe("type scale", () => {
  it("finds the style files it checks", () => {
    expect(declarations("font-weight").length).toBeGreaterThan(10);
  });

  it("uses two weights: 400 and 600", () => {
    const other = declarations("font-weight").filter((d) => !["400", "600", "inherit"].includes(d.value));
    expect(other).toEqual([]);
  });

  it("leaves the numeric variant to the page's one rule in app.css", () => {
    expect(declarations("font-variant-numeric")).toEqual([]);
  });
});
