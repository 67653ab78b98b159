/** The pin control's text (seed "Client assignment to an operator": the three displays). */
import type { PinDisplay } from "../ipc";

export type PinLabel = { text: string; clickable: boolean; pin: boolean };

export function pinLabel(p: PinDisplay): PinLabel {
  switch (p.kind) {
    case "unpinned":
      return { text: `Fix (${p.my_name})`, clickable: true, pin: true };
    case "mine":
      return { text: "Detach", clickable: true, pin: false };
    case "other":
      return { text: `Pinned (${p.name})`, clickable: false, pin: false };
    case "other_detachable":
      return { text: `Detach (assigned to ${p.name})`, clickable: true, pin: false };
  }
}
