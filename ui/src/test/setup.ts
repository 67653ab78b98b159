import "@testing-library/jest-dom/vitest";

// jsdom does no layout, so every element measures 0 × 0 and a virtualized list would render no
// rows. Give the scroll containers of the virtualized lists (the conversation list and the
// thread) a viewport; everything else keeps measuring 0.
const VIEWPORT_ROLES = new Set(["listbox", "log"]);
function viewport(el: HTMLElement, size: number): number {
  return VIEWPORT_ROLES.has(el.getAttribute("role") ?? "") ? size : 0;
}
Object.defineProperty(HTMLElement.prototype, "offsetHeight", {
  configurable: true,
  get(this: HTMLElement) {
    return viewport(this, 800);
  },
});
Object.defineProperty(HTMLElement.prototype, "offsetWidth", {
  configurable: true,
  get(this: HTMLElement) {
    return viewport(this, 600);
  },
});

// The desk remembers the last tab in localStorage: every test starts without a memory.
import { beforeEach } from "vitest";
beforeEach(() => globalThis.localStorage?.clear());
