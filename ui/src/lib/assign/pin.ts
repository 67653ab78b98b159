/** The pin control's text (seed "Client assignment to an operator": the three displays). */
import type { PinDisplay } from "../ipc";

export type PinLabel = { text: string; clickable: boolean; pin: boolean };

/** `null`: nothing to show ("Fix" is offered only once the conversation is assigned). */
export function pinLabel(p: PinDisplay): PinLabel | null {
  switch (p.kind) {
    case "fix":
      return { text: `Fix (${p.name})`, clickable: true, pin: true };
    case "unpinned":
      return null;
    case "mine":
      return { text: "Detach", clickable: true, pin: false };
    case "other":
      return { text: `Pinned (${p.name})`, clickable: false, pin: false };
    case "other_detachable":
      return { text: `Detach (assigned to ${p.name})`, clickable: true, pin: false };
  }
}
