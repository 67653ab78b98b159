/** Who may open which part of the Administration area. The server enforces each rule on its
 * routes; these only decide what the app offers (one function per rule, shared by the
 * sections' registry and the tests). */
import type { Me } from "../ipc";

/** Operators, groups and roles: the super-admin or "manage operators". */
export const managesOperators = (me: Me): boolean => me.operator.super_admin || me.permissions.manage_operators;

/** Channel accounts: the super-admin or "manage settings" (company configuration, like the
 * Settings tab; only Settings › Advanced is the super-admin's alone). */
export const managesChannels = (me: Me): boolean => me.operator.super_admin || me.permissions.manage_settings;

/** Settings › Advanced: the super-admin only ("restricted by default"). */
export const superAdmin = (me: Me): boolean => me.operator.super_admin;

/** Reading the action log: the super-admin or "view action log" (changing any Advanced
 * function stays the super-admin's). */
export const readsActionLog = (me: Me): boolean => me.operator.super_admin || me.permissions.view_action_log === true;
