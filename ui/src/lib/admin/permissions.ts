/** What each permission is called in the app. The list of permissions is the server's
 * (`Permissions`' fields): one it adds later still shows, named after its field. */
import type { Permissions } from "../ipc";

const LABELS: Record<string, string> = {
  conversations_management: "Conversations management (All and Blacklist tabs, assign to anyone)",
  show_all_tab: "Show the All tab",
  manage_operators: "Manage operators, groups and roles",
  manage_settings: "Manage settings (channel accounts)",
  view_analytics: "View analytics",
  outgoing_whatsapp: "Outgoing WhatsApp messages",
  view_action_log: "View the action log",
  download_conversations: "Download conversations (Send to Email)",
};

export function permissionLabel(name: string): string {
  return LABELS[name] ?? name.replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
}

/** Every permission name, in the order the server lists them. */
export function permissionNames(p: Permissions): string[] {
  return Object.keys(p);
}

export function noPermissions(template: Permissions): Permissions {
  return Object.fromEntries(Object.keys(template).map((k) => [k, false])) as Permissions;
}
