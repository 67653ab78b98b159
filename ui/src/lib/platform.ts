/** What the keyboard looks like on this machine (Cmd on macOS, Ctrl elsewhere). */

type NavigatorUAData = { platform?: string };

export function isMac(): boolean {
  if (typeof navigator === "undefined") return false;
  const uaData = (navigator as Navigator & { userAgentData?: NavigatorUAData }).userAgentData;
  const platform = uaData?.platform || navigator.platform || navigator.userAgent;
  return /mac|iphone|ipad/i.test(platform);
}

/** The modifier of the app's shortcuts: "⌘" on macOS, "Ctrl" elsewhere. */
export function modLabel(): string {
  return isMac() ? "⌘" : "Ctrl";
}

/** Ctrl (or Cmd on macOS) is held, and nothing else that changes the shortcut. */
export function hasMod(e: KeyboardEvent): boolean {
  if (e.altKey || e.shiftKey) return false;
  return e.ctrlKey || (isMac() && e.metaKey);
}

/** Focus is in a place that takes typing, where arrow keys belong to the field. */
export function isTextField(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag !== "INPUT") return false;
  const type = (target as HTMLInputElement).type;
  return !["button", "checkbox", "radio", "submit", "reset", "range", "color"].includes(type);
}
