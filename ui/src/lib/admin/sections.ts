/** The Administration area's sections, in the order the navigation shows them (Settings in the
 * seed's order of the Advanced functions). Adding one is
 * one line here: an id, a label, the navigation group, who may see it, and its component
 * (which receives the signed-in operator as `me` and the server's address as `server`). */
import type { Component } from "svelte";
import type { Me } from "../ipc";
import { managesChannels, managesOperators, readsActionLog, superAdmin } from "./access";
import AdvancedSettings from "../settings/AdvancedSettings.svelte";
import ActionLog from "./ActionLog.svelte";
import IframeSettings from "./IframeSettings.svelte";
import IpWhitelist from "./IpWhitelist.svelte";
import PersonalData from "./PersonalData.svelte";
import Webhooks from "./Webhooks.svelte";
import Channels from "./Channels.svelte";
import Groups from "./Groups.svelte";
import Operators from "./Operators.svelte";
import Roles from "./Roles.svelte";

/** What every section is given: the signed-in operator and the address of their server. */
export type SectionProps = { me: Me; server: string };

export type AdminSection = {
  id: string;
  label: string;
  group: "Operators" | "Apps" | "Settings";
  allowed: (me: Me) => boolean;
  /** Gets `SectionProps`; a section declares the ones it needs (or none). */
  component:
    | Component<SectionProps>
    | Component<{ me: Me }>
    | Component<{ server: string }>
    | Component<Record<string, never>>;
};

export const SECTIONS: AdminSection[] = [
  { id: "operators", label: "Operators", group: "Operators", allowed: managesOperators, component: Operators },
  { id: "groups", label: "Groups", group: "Operators", allowed: managesOperators, component: Groups },
  { id: "roles", label: "Roles", group: "Operators", allowed: managesOperators, component: Roles },
  { id: "channels", label: "Channel accounts", group: "Apps", allowed: managesChannels, component: Channels },
  { id: "action-log", label: "Action log", group: "Settings", allowed: readsActionLog, component: ActionLog },
  { id: "advanced", label: "Advanced", group: "Settings", allowed: superAdmin, component: AdvancedSettings },
  { id: "personal-data", label: "Personal data", group: "Settings", allowed: superAdmin, component: PersonalData },
  { id: "ip-whitelist", label: "IP whitelist", group: "Settings", allowed: superAdmin, component: IpWhitelist },
  { id: "iframe", label: "Iframe integration", group: "Settings", allowed: superAdmin, component: IframeSettings },
  { id: "webhooks", label: "Webhooks", group: "Settings", allowed: superAdmin, component: Webhooks },
];

/** The sections `me` may open (none: the Administration entry is not shown). */
export function sectionsFor(me: Me, all: AdminSection[] = SECTIONS): AdminSection[] {
  return all.filter((s) => s.allowed(me));
}
