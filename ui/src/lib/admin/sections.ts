/** The Administration area's sections, in the order the navigation shows them (Settings in the
 * seed's order of the Advanced functions). Adding one is
 * one line here: an id, a label, the navigation group, who may see it, and its component's
 * loader (the component receives the signed-in operator as `me` and the server's address as `server`). */
import type { Component } from "svelte";
import type { Me } from "../ipc";
import { managesChannels, managesOperators, readsActionLog, superAdmin } from "./access";

/** What every section is given: the signed-in operator and the address of their server. */
export type SectionProps = { me: Me; server: string };

/** A section's component: it gets `SectionProps` and declares the ones it needs (or none). */
export type SectionComponent =
  | Component<SectionProps>
  | Component<{ me: Me }>
  | Component<{ server: string }>
  | Component<Record<string, never>>;

export type AdminSection = {
  id: string;
  label: string;
  group: "Operators" | "Apps" | "Settings";
  allowed: (me: Me) => boolean;
  /** Its code, read when the section is first opened: a start does not parse the
   * Administration area (budget 6, docs/BENCHMARKS.md). */
  load: () => Promise<{ default: SectionComponent }>;
};

export const SECTIONS: AdminSection[] = [
  { id: "operators", label: "Operators", group: "Operators", allowed: managesOperators, load: () => import("./Operators.svelte") },
  { id: "groups", label: "Groups", group: "Operators", allowed: managesOperators, load: () => import("./Groups.svelte") },
  { id: "roles", label: "Roles", group: "Operators", allowed: managesOperators, load: () => import("./Roles.svelte") },
  { id: "channels", label: "Channel accounts", group: "Apps", allowed: managesChannels, load: () => import("./Channels.svelte") },
  { id: "action-log", label: "Action log", group: "Settings", allowed: readsActionLog, load: () => import("./ActionLog.svelte") },
  { id: "advanced", label: "Advanced", group: "Settings", allowed: superAdmin, load: () => import("../settings/AdvancedSettings.svelte") },
  { id: "personal-data", label: "Personal data", group: "Settings", allowed: superAdmin, load: () => import("./PersonalData.svelte") },
  { id: "ip-whitelist", label: "IP whitelist", group: "Settings", allowed: superAdmin, load: () => import("./IpWhitelist.svelte") },
  { id: "iframe", label: "Iframe integration", group: "Settings", allowed: superAdmin, load: () => import("./IframeSettings.svelte") },
  { id: "webhooks", label: "Webhooks", group: "Settings", allowed: superAdmin, load: () => import("./Webhooks.svelte") },
];

/** The sections `me` may open (none: the Administration entry is not shown). */
export function sectionsFor(me: Me, all: AdminSection[] = SECTIONS): AdminSection[] {
  return all.filter((s) => s.allowed(me));
}
