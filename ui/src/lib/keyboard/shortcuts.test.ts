import { describe, expect, it } from "vitest";
import { deskShortcut, shortcutList } from "./shortcuts";

function press(key: string, init: KeyboardEventInit = {}, target?: HTMLElement): KeyboardEvent {
  const e = new KeyboardEvent("keydown", { key, bubbles: true, ...init });
  if (target) Object.defineProperty(e, "target", { value: target });
  return e;
}

const textarea = () => document.createElement("textarea");
const input = () => document.createElement("input");
const button = () => document.createElement("button");

describe("desk shortcuts", () => {
  it("Ctrl+K opens the switcher everywhere, even while typing", () => {
    expect(deskShortcut(press("k", { ctrlKey: true }))).toBe("switcher");
    expect(deskShortcut(press("K", { ctrlKey: true }, textarea()))).toBe("switcher");
    expect(deskShortcut(press("k", { ctrlKey: true }, input()))).toBe("switcher");
    expect(deskShortcut(press("k", { ctrlKey: true, shiftKey: true }))).toBeNull();
  });

  it("never fires other shortcuts in a text field", () => {
    for (const target of [textarea(), input()]) {
      expect(deskShortcut(press("?", { shiftKey: true }, target))).toBeNull();
      expect(deskShortcut(press("/", {}, target))).toBeNull();
      expect(deskShortcut(press("/", { ctrlKey: true }, target))).toBeNull();
      expect(deskShortcut(press("ArrowDown", {}, target))).toBeNull();
    }
  });

  it("maps keys outside text fields", () => {
    const b = button();
    expect(deskShortcut(press("?", { shiftKey: true }, b))).toBe("help");
    expect(deskShortcut(press("/", { ctrlKey: true }, b))).toBe("help");
    expect(deskShortcut(press("/", {}, b))).toBe("search");
    expect(deskShortcut(press("ArrowDown", {}, b))).toBe("next");
    expect(deskShortcut(press("ArrowUp", {}, b))).toBe("previous");
    expect(deskShortcut(press("ArrowDown", { shiftKey: true }, b))).toBeNull();
    expect(deskShortcut(press("ArrowDown", { altKey: true }, b))).toBeNull();
    expect(deskShortcut(press("x", {}, b))).toBeNull();
    expect(deskShortcut(press("k", {}, b))).toBeNull();
  });

  it("ignores keys while an input method composes", () => {
    expect(deskShortcut(press("k", { ctrlKey: true, isComposing: true }))).toBeNull();
  });

  it("lists every shortcut with the platform's modifier", () => {
    const list = shortcutList("⌘");
    const keys = list.flatMap((s) => s.keys);
    expect(keys).toEqual(expect.arrayContaining(["⌘+K", "?", "⌘+/", "/", "↑", "↓", "⌘+Enter", "Esc"]));
    expect(list.every((s) => s.label.length > 0)).toBe(true);
  });
});
