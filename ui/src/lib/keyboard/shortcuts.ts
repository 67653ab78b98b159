/**
 * The desk's keyboard rules in one place, so the help overlay lists exactly what works.
 * Shortcuts never fire while typing in a text field, except Ctrl/Cmd+K (jump to a
 * conversation) here and Ctrl/Cmd+Enter, which the composer handles itself.
 */
import { hasMod, isTextField, modLabel } from "../platform";

export type DeskAction = "switcher" | "help" | "search" | "next" | "previous";

export interface Shortcut {
  keys: string[];
  label: string;
}

/** Every shortcut of the app, for the help overlay. */
export function shortcutList(mod: string = modLabel()): Shortcut[] {
  return [
    { keys: [`${mod}+K`], label: "Jump to a conversation by client name" },
    { keys: ["↑", "↓"], label: "Previous / next conversation in the list" },
    { keys: ["/"], label: "Search the list" },
    { keys: [`${mod}+Enter`], label: "Send the reply or note (in the composer)" },
    { keys: ["Enter"], label: "Open the highlighted conversation (in the list or the switcher)" },
    { keys: ["Esc"], label: "Close the switcher or this help" },
    { keys: ["?", `${mod}+/`], label: "Show these shortcuts" },
  ];
}

/** What a key press on the desk means, or null when it is not a desk shortcut. */
export function deskShortcut(e: KeyboardEvent): DeskAction | null {
  if (e.isComposing) return null;
  if (hasMod(e) && e.key.toLowerCase() === "k") return "switcher";
  if (isTextField(e.target)) return null;
  if (hasMod(e) && e.key === "/") return "help";
  if (e.altKey || e.ctrlKey || e.metaKey) return null;
  // "?" is Shift+/ on most layouts: compare the character, not the Shift state.
  if (e.key === "?") return "help";
  if (e.shiftKey) return null;
  switch (e.key) {
    case "/":
      return "search";
    case "ArrowDown":
      return "next";
    case "ArrowUp":
      return "previous";
    default:
      return null;
  }
}
