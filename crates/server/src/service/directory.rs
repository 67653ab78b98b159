//! The company's directory as an admin manages it: operators, groups and roles, for the REST
//! routes (`http::directory`) and the CLI's `operator`, `group` and `role` commands.
//!
//! Rules, each in one place here:
//! - who: the super-admin, or an operator whose role has "manage operators" ([`require`]);
//!   the CLI is run by whoever runs the server and has a super-admin's rights;
//! - no way up: an operator who is not a super-admin cannot touch a super-admin, nor give a
//!   role (or make one) with a permission they do not hold themselves ([`no_escalation`]);
//! - nobody deactivates themselves (the company would lose its last admin by a slip);
//! - deactivating ends every session of the operator at once;
//! - every change is a change record (open apps update their directory, and an operator whose
//!   own record changes reloads who they are) and an action-log row.

use crate::storage::sql::Conn;
use rand::Rng;
use switchboard_protocol::{
    Group, GroupPatch, Id, LogAction, LogDetails, LogTarget, NewGroupRequest, NewOperatorRequest,
    NewRoleRequest, Operator, OperatorCreated, OperatorPatch, PasswordReset, Permissions, Role,
    RolePatch,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::admin::{company_or_first, emit_group, emit_operator, find_group, validate_email};
use super::conversations::emit_conversation;
use super::now_ms;
use crate::auth::{hash_password, MAX_PASSWORD_BYTES};
use crate::error::{ApiError, ApiResult};
use crate::policy::Scope;
use crate::storage::operators::NewOperator;
use crate::storage::{
    action_log, channels, conversations, groups, operators, roles, tokens, Db, WriteCtx,
};

/// Longest name of an operator, group or role.
const MAX_NAME_CHARS: usize = 200;
/// Colour of a group made without one (the app's accent blue).
const DEFAULT_GROUP_COLOR: &str = "#3b82f6";
/// Most groups an operator is put in at once.
const MAX_GROUPS: usize = 100;

/// Who changes the directory.
#[derive(Clone, Copy)]
pub enum By<'a> {
    /// The server's command line: a super-admin's rights, no actor in the log.
    Cli,
    Actor(&'a Actor),
}

impl By<'_> {
    fn full_rights(self) -> bool {
        match self {
            By::Cli => true,
            By::Actor(a) => a.facts.full_rights,
        }
    }

    fn permissions(self) -> Permissions {
        match self {
            By::Cli => Permissions::all(),
            By::Actor(a) if a.facts.full_rights => Permissions::all(),
            By::Actor(a) => a.operator.permissions.clone(),
        }
    }

    /// One action-log row for this change (the actor and their IP; none from the CLI).
    pub(crate) fn log(
        self,
        ctx: &WriteCtx<'_>,
        company_id: Id,
        (target, target_id): (LogTarget, Id),
        action: LogAction,
        details: &LogDetails,
    ) -> ApiResult<()> {
        let (actor_operator_id, actor_token_id, ip) = match self {
            By::Cli => (None, None, None),
            By::Actor(a) => (Some(a.id()), a.token_id, a.ip.as_deref()),
        };
        action_log::insert(
            ctx.tx,
            &action_log::Entry {
                company_id,
                actor_operator_id,
                actor_token_id,
                target,
                target_id,
                action,
                ip,
                details,
                created_at: now_ms(),
            },
        )?;
        Ok(())
    }
}

/// 403 unless the caller may manage the directory.
fn require(by: By<'_>) -> ApiResult<()> {
    if by.permissions().manage_operators {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Managing operators, groups and roles needs the super-admin or a role with \"manage operators\".".into(),
        ))
    }
}

/// 403 when `wanted` holds a permission the caller does not, or `target` is a super-admin and
/// the caller is not one.
fn no_escalation(by: By<'_>, wanted: &Permissions, target: Option<&Operator>) -> ApiResult<()> {
    if by.full_rights() {
        return Ok(());
    }
    if target.is_some_and(|t| t.super_admin) {
        return Err(ApiError::Forbidden(
            "Only a super-admin can change a super-admin.".into(),
        ));
    }
    let mine = flags(&by.permissions());
    let beyond: Vec<&str> = flags(wanted)
        .into_iter()
        .filter(|(name, on)| *on && !mine.iter().any(|(n, m)| n == name && *m))
        .map(|(name, _)| name)
        .collect();
    if beyond.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "You cannot give permissions you do not have yourself: {}.",
            beyond.join(", ")
        )))
    }
}

/// Each permission by its API name (the field names of [`Permissions`]: one list).
fn flags(p: &Permissions) -> Vec<(&'static str, bool)> {
    let Permissions {
        conversations_management,
        show_all_tab,
        manage_operators,
        manage_settings,
        view_analytics,
        outgoing_whatsapp,
        view_action_log,
        download_conversations,
    } = p.clone();
    vec![
        ("conversations_management", conversations_management),
        ("show_all_tab", show_all_tab),
        ("manage_operators", manage_operators),
        ("manage_settings", manage_settings),
        ("view_analytics", view_analytics),
        ("outgoing_whatsapp", outgoing_whatsapp),
        ("view_action_log", view_action_log),
        ("download_conversations", download_conversations),
    ]
}

/// The permission set named by `names`, each one of [`flags`]' names.
pub fn permissions_from(names: &[String]) -> ApiResult<Permissions> {
    let known = flags(&Permissions::default());
    let mut set = match serde_json::to_value(Permissions::default()) {
        Ok(serde_json::Value::Object(all_off)) => all_off,
        _ => return Err(ApiError::Internal("permissions are not an object".into())),
    };
    for raw in names {
        let name = raw.trim();
        if !known.iter().any(|(n, _)| *n == name) {
            let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
            return Err(ApiError::bad_request(format!(
                "No permission {name:?}; the permissions are {}.",
                names.join(", ")
            )));
        }
        set.insert(name.to_string(), true.into());
    }
    // Field names are the wire names: the struct reads them back.
    serde_json::from_value(serde_json::Value::Object(set))
        .map_err(|e| ApiError::Internal(format!("permissions: {e}")))
}

pub(crate) fn checked_name(raw: &str, what: &str) -> ApiResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(format!(
            "The {what} name must be 1 to {MAX_NAME_CHARS} characters."
        )));
    }
    Ok(name.to_string())
}

fn checked_password(password: &str) -> ApiResult<()> {
    if password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::bad_request(format!(
            "The password must be 1 to {MAX_PASSWORD_BYTES} bytes."
        )));
    }
    Ok(())
}

/// A password a person can type from a message: four groups of four letters and digits
/// (about 79 bits), without look-alikes.
fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..4)
        .map(|_| {
            (0..4)
                .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The password to set and its hash (argon2: outside the write transaction), with the
/// one-time password to show when none was given.
fn new_password(given: Option<&str>) -> ApiResult<(String, Option<String>)> {
    let generated = given.is_none().then(one_time_password);
    let password = given.or(generated.as_deref()).unwrap_or_default();
    checked_password(password)?;
    let hash = hash_password(password).map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok((hash, generated))
}

fn checked_color(raw: &str) -> ApiResult<String> {
    let c = raw.trim();
    if c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit()) {
        Ok(c.to_ascii_lowercase())
    } else {
        Err(ApiError::bad_request(format!(
            "{c:?} is not a colour like #3b82f6."
        )))
    }
}

fn operator_of(conn: &Conn<'_>, company_id: Id, id: Id) -> ApiResult<Operator> {
    Ok(operators::get(conn, company_id, id)?
        .ok_or_else(|| ApiError::not_found(format!("Operator {id} not found.")))?
        .operator)
}

pub(crate) fn group_of(conn: &Conn<'_>, company_id: Id, id: Id) -> ApiResult<Group> {
    groups::get(conn, company_id, id)?
        .ok_or_else(|| ApiError::not_found(format!("Group {id} not found.")))
}

fn role_of(conn: &Conn<'_>, company_id: Id, id: Id) -> ApiResult<Role> {
    roles::get(conn, company_id, id)?
        .ok_or_else(|| ApiError::not_found(format!("Role {id} not found.")))
}

/// The groups by id, each checked to be the company's; at most [`MAX_GROUPS`], no repeats.
fn checked_groups(conn: &Conn<'_>, company_id: Id, ids: &[Id]) -> ApiResult<Vec<Id>> {
    if ids.len() > MAX_GROUPS {
        return Err(ApiError::bad_request(format!(
            "An operator is in at most {MAX_GROUPS} groups."
        )));
    }
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        group_of(conn, company_id, *id)?;
        if !out.contains(id) {
            out.push(*id);
        }
    }
    Ok(out)
}

/// The role by id, checked to be the company's and within the caller's permissions.
fn checked_role(conn: &Conn<'_>, by: By<'_>, company_id: Id, id: Option<Id>) -> ApiResult<()> {
    if let Some(id) = id {
        let role = role_of(conn, company_id, id)?;
        no_escalation(by, &role.permissions, None)?;
    }
    Ok(())
}

fn emit_and_log_operator(
    ctx: &mut WriteCtx<'_>,
    by: By<'_>,
    company_id: Id,
    id: Id,
    action: LogAction,
) -> ApiResult<Operator> {
    let op = operator_of(ctx.tx, company_id, id)?;
    emit_operator(ctx, company_id, &op, now_ms())?;
    by.log(
        ctx,
        company_id,
        (LogTarget::Operator, id),
        action,
        &LogDetails::default(),
    )?;
    Ok(op)
}

/// Adds an operator; `hash` and `generated` come from [`new_password`].
fn create_operator_in(
    ctx: &mut WriteCtx<'_>,
    by: By<'_>,
    company_id: Id,
    req: &NewOperatorRequest,
    (hash, generated): (String, Option<String>),
) -> ApiResult<OperatorCreated> {
    require(by)?;
    let email = validate_email(&req.email)?;
    let name = checked_name(&req.name, "operator")?;
    if operators::email_exists(ctx.tx, &email)? {
        return Err(ApiError::Conflict(format!(
            "An operator with email {email} already exists; pick another email."
        )));
    }
    checked_role(ctx.tx, by, company_id, req.role_id)?;
    let group_ids = checked_groups(ctx.tx, company_id, &req.group_ids)?;
    let id = operators::insert(
        ctx.tx,
        &NewOperator {
            company_id,
            name: &name,
            email: &email,
            password_hash: &hash,
            super_admin: false,
            role_id: req.role_id,
        },
        now_ms(),
    )?;
    operators::set_groups(ctx.tx, id, &group_ids)?;
    let operator = emit_and_log_operator(ctx, by, company_id, id, LogAction::OperatorCreated)?;
    Ok(OperatorCreated {
        operator,
        one_time_password: generated,
    })
}

/// Applies a PATCH to an operator.
fn update_operator_in(
    ctx: &mut WriteCtx<'_>,
    by: By<'_>,
    company_id: Id,
    id: Id,
    patch: &OperatorPatch,
) -> ApiResult<Operator> {
    require(by)?;
    let before = operator_of(ctx.tx, company_id, id)?;
    no_escalation(by, &Permissions::default(), Some(&before))?;
    let mut changed = false;
    if let Some(name) = &patch.name {
        let name = checked_name(name, "operator")?;
        if name != before.name {
            operators::set_name(ctx.tx, id, &name)?;
            changed = true;
        }
    }
    if let Some(role_id) = patch.role_id {
        checked_role(ctx.tx, by, company_id, role_id)?;
        if role_id != before.role_id {
            operators::set_role(ctx.tx, id, role_id)?;
            changed = true;
        }
    }
    if let Some(ids) = &patch.group_ids {
        let mut group_ids = checked_groups(ctx.tx, company_id, ids)?;
        group_ids.sort_unstable();
        if group_ids != before.group_ids {
            operators::set_groups(ctx.tx, id, &group_ids)?;
            changed = true;
        }
    }
    if changed {
        emit_and_log_operator(ctx, by, company_id, id, LogAction::OperatorUpdated)?;
    }
    if let Some(active) = patch.active.filter(|a| *a != before.active) {
        set_active_in(ctx, by, company_id, id, active)?;
    }
    operator_of(ctx.tx, company_id, id)
}

/// Deactivates (ending every session at once) or reactivates an operator.
fn set_active_in(
    ctx: &mut WriteCtx<'_>,
    by: By<'_>,
    company_id: Id,
    id: Id,
    active: bool,
) -> ApiResult<usize> {
    require(by)?;
    let before = operator_of(ctx.tx, company_id, id)?;
    no_escalation(by, &Permissions::default(), Some(&before))?;
    if !active && matches!(by, By::Actor(a) if a.id() == id) {
        return Err(ApiError::InvalidState(
            "You cannot deactivate yourself; ask another admin.".into(),
        ));
    }
    let ended = if active {
        0
    } else {
        tokens::revoke_sessions_of(ctx.tx, &before.email, now_ms())?
    };
    if before.active != active {
        operators::set_active(ctx.tx, id, active)?;
        let action = if active {
            LogAction::OperatorReactivated
        } else {
            LogAction::OperatorDeactivated
        };
        emit_and_log_operator(ctx, by, company_id, id, action)?;
    }
    Ok(ended)
}

/// Sets a new password (signing the operator out everywhere).
fn reset_password_in(
    ctx: &mut WriteCtx<'_>,
    by: By<'_>,
    company_id: Id,
    id: Id,
    hash: &str,
) -> ApiResult<()> {
    require(by)?;
    let target = operator_of(ctx.tx, company_id, id)?;
    no_escalation(by, &Permissions::default(), Some(&target))?;
    operators::set_password_hash(ctx.tx, id, hash)?;
    tokens::revoke_sessions_of(ctx.tx, &target.email, now_ms())?;
    by.log(
        ctx,
        company_id,
        (LogTarget::Operator, id),
        LogAction::PasswordReset,
        &LogDetails::default(),
    )?;
    Ok(())
}

/// Groups and roles: entries of the directory that every operator of the company reads and an
/// admin changes. One path serves both over REST (the generic [`list`], [`get`], [`create`],
/// [`update`], [`delete`]); each keeps its own rules in its `impl`.
pub trait Entry: Sized + Send + 'static {
    /// What the entry is called in sentences ("group").
    const WHAT: &'static str;
    /// What its action-log rows are about.
    const TARGET: LogTarget;
    type New: Send + 'static;
    type Patch: Send + 'static;
    /// What a delete needs besides the id (a group: where its conversations go).
    type Removal: Send + 'static;

    fn id(&self) -> Id;
    fn name(&self) -> &str;
    fn list(conn: &Conn<'_>, company_id: Id) -> ApiResult<Vec<Self>>;
    fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> ApiResult<Self>;
    fn create_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        input: &Self::New,
    ) -> ApiResult<Self>;
    fn update_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        id: Id,
        input: &Self::Patch,
    ) -> ApiResult<Self>;
    fn delete_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        id: Id,
        how: Self::Removal,
    ) -> ApiResult<()>;
}

/// The entry's name, checked (1 to 200 characters) and unique in the company
/// (case-insensitive; `except`: the entry being renamed).
fn entry_name<E: Entry>(
    conn: &Conn<'_>,
    company_id: Id,
    raw: &str,
    except: Option<Id>,
) -> ApiResult<String> {
    let name = checked_name(raw, E::WHAT)?;
    if E::list(conn, company_id)?
        .iter()
        .any(|e| Some(e.id()) != except && e.name().eq_ignore_ascii_case(&name))
    {
        return Err(ApiError::Conflict(format!(
            "The {} {name:?} already exists.",
            E::WHAT
        )));
    }
    Ok(name)
}

/// The action-log row of a change to an entry.
fn log_entry<E: Entry>(
    ctx: &WriteCtx<'_>,
    by: By<'_>,
    company_id: Id,
    id: Id,
    action: LogAction,
) -> ApiResult<()> {
    by.log(
        ctx,
        company_id,
        (E::TARGET, id),
        action,
        &LogDetails::default(),
    )
}

impl Entry for Group {
    const WHAT: &'static str = "group";
    const TARGET: LogTarget = LogTarget::Group;
    type New = NewGroupRequest;
    type Patch = GroupPatch;
    type Removal = Option<Id>;

    fn id(&self) -> Id {
        self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn list(conn: &Conn<'_>, company_id: Id) -> ApiResult<Vec<Self>> {
        Ok(groups::list(conn, company_id)?)
    }

    fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> ApiResult<Self> {
        group_of(conn, company_id, id)
    }

    fn create_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        input: &NewGroupRequest,
    ) -> ApiResult<Self> {
        require(by)?;
        let color = match &input.color {
            Some(c) => checked_color(c)?,
            None => DEFAULT_GROUP_COLOR.to_string(),
        };
        let name = entry_name::<Self>(ctx.tx, company_id, &input.name, None)?;
        let id = groups::insert(ctx.tx, company_id, &name, &color)?;
        let group = group_of(ctx.tx, company_id, id)?;
        emit_group(ctx, company_id, &group, now_ms())?;
        log_entry::<Self>(ctx, by, company_id, id, LogAction::GroupCreated)?;
        Ok(group)
    }

    fn update_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        id: Id,
        input: &GroupPatch,
    ) -> ApiResult<Self> {
        require(by)?;
        let mut group = group_of(ctx.tx, company_id, id)?;
        let before = group.clone();
        if let Some(name) = &input.name {
            group.name = entry_name::<Self>(ctx.tx, company_id, name, Some(id))?;
        }
        if let Some(color) = &input.color {
            group.color = checked_color(color)?;
        }
        if group != before {
            groups::update(ctx.tx, &group)?;
            emit_group(ctx, company_id, &group, now_ms())?;
            log_entry::<Self>(ctx, by, company_id, id, LogAction::GroupUpdated)?;
        }
        Ok(group)
    }

    /// Deletes a group. Its conversations and channels go to `move_to`, which is required while
    /// it has any; its operators simply leave it.
    fn delete_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        id: Id,
        move_to: Option<Id>,
    ) -> ApiResult<()> {
        require(by)?;
        group_of(ctx.tx, company_id, id)?;
        let (conversation_count, channel_count) = groups::usage(ctx.tx, id)?;
        let now = now_ms();
        if conversation_count + channel_count > 0 {
            let Some(to) = move_to else {
                return Err(ApiError::Conflict(format!(
                "The group still has {conversation_count} conversation(s) and {channel_count} channel(s); choose a group to move them to (move_to)."
            )));
            };
            if to == id {
                return Err(ApiError::bad_request(
                    "`move_to` must be another group than the one deleted.",
                ));
            }
            group_of(ctx.tx, company_id, to)?;
            for conv_id in conversations::ids_in_group(ctx.tx, company_id, id)? {
                let Some(mut conv) = conversations::get(ctx.tx, company_id, conv_id)? else {
                    continue;
                };
                let before = Scope::of(&conv);
                conv.group_id = Some(to);
                conv.updated_at = now;
                conversations::update(ctx.tx, &conv)?;
                emit_conversation(ctx, company_id, Some(before), &conv, now)?;
            }
            for channel_id in groups::move_channels(ctx.tx, id, to)? {
                if let Some(c) = channels::get_any(ctx.tx, channel_id)? {
                    super::admin::emit_channel(ctx, company_id, &c.account, now)?;
                }
            }
        }
        let members = operators::in_group(ctx.tx, id)?;
        groups::delete(ctx.tx, id)?;
        for op in members {
            let o = operator_of(ctx.tx, company_id, op)?;
            emit_operator(ctx, company_id, &o, now)?;
        }
        ctx_remove_group(ctx, company_id, id, now)?;
        by.log(
            ctx,
            company_id,
            (LogTarget::Group, id),
            LogAction::GroupDeleted,
            &LogDetails {
                group_id: move_to,
                ..LogDetails::default()
            },
        )?;
        Ok(())
    }
}

impl Entry for Role {
    const WHAT: &'static str = "role";
    const TARGET: LogTarget = LogTarget::Role;
    type New = NewRoleRequest;
    type Patch = RolePatch;
    type Removal = ();

    fn id(&self) -> Id {
        self.id
    }

    fn name(&self) -> &str {
        &self.name
    }

    fn list(conn: &Conn<'_>, company_id: Id) -> ApiResult<Vec<Self>> {
        Ok(roles::list(conn, company_id)?)
    }

    fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> ApiResult<Self> {
        role_of(conn, company_id, id)
    }

    fn create_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        input: &NewRoleRequest,
    ) -> ApiResult<Self> {
        require(by)?;
        let permissions = input.permissions.clone();
        no_escalation(by, &permissions, None)?;
        let name = entry_name::<Self>(ctx.tx, company_id, &input.name, None)?;
        let id = roles::insert(ctx.tx, company_id, &name, &permissions)?;
        log_entry::<Self>(ctx, by, company_id, id, LogAction::RoleCreated)?;
        role_of(ctx.tx, company_id, id)
    }

    /// Renames a role or changes its permissions; every operator with the role gets a change
    /// record, so their open app reloads what they may do.
    fn update_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        id: Id,
        input: &RolePatch,
    ) -> ApiResult<Self> {
        require(by)?;
        let mut role = role_of(ctx.tx, company_id, id)?;
        // Changing a role one does not fully hold would change what its holders may do beyond
        // the caller's own rights.
        no_escalation(by, &role.permissions, None)?;
        let before = role.clone();
        if let Some(name) = &input.name {
            role.name = entry_name::<Self>(ctx.tx, company_id, name, Some(id))?;
        }
        if let Some(p) = &input.permissions {
            no_escalation(by, p, None)?;
            role.permissions = p.clone();
        }
        if role != before {
            roles::update(ctx.tx, &role)?;
            log_entry::<Self>(ctx, by, company_id, id, LogAction::RoleUpdated)?;
            if role.permissions != before.permissions {
                let now = now_ms();
                for op in operators::with_role(ctx.tx, id)? {
                    let o = operator_of(ctx.tx, company_id, op)?;
                    emit_operator(ctx, company_id, &o, now)?;
                }
            }
        }
        Ok(role)
    }

    /// Deletes a role nobody has (409 while operators have it).
    fn delete_in(
        ctx: &mut WriteCtx<'_>,
        by: By<'_>,
        company_id: Id,
        id: Id,
        (): (),
    ) -> ApiResult<()> {
        require(by)?;
        let role = role_of(ctx.tx, company_id, id)?;
        no_escalation(by, &role.permissions, None)?;
        let holders = operators::with_role(ctx.tx, id)?.len();
        if holders > 0 {
            return Err(ApiError::Conflict(format!(
                "{holders} operator(s) have the role {:?}; give them another role first.",
                role.name
            )));
        }
        roles::delete(ctx.tx, id)?;
        log_entry::<Self>(ctx, by, company_id, id, LogAction::RoleDeleted)?;
        Ok(())
    }
}

/// Tells the apps the group is gone.
fn ctx_remove_group(ctx: &mut WriteCtx<'_>, company_id: Id, id: Id, now: i64) -> ApiResult<()> {
    use crate::storage::changes::{self, Audience};
    changes::append(
        ctx,
        company_id,
        id,
        switchboard_protocol::Change::Removed(switchboard_protocol::Entity::Group),
        Audience::Company,
        now,
    )?;
    Ok(())
}

// --- The API: the caller's token decides the company and the rights. ---

/// Runs `f` in a write transaction as the caller.
async fn as_caller<T: Send + 'static>(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    f: impl FnOnce(&mut WriteCtx<'_>, &Actor) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        f(ctx, &actor)
    })
    .await
}

/// Runs `f` on a read connection as the caller.
async fn as_reader<T: Send + 'static>(
    db: &Db,
    principal: Principal,
    f: impl FnOnce(&crate::storage::sql::Conn<'_>, &Actor) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        f(conn, &actor)
    })
    .await
}

/// Every operator of the caller's company (deactivated ones too), for admins.
pub async fn list_operators_for(db: &Db, principal: Principal) -> ApiResult<Vec<Operator>> {
    as_reader(db, principal, move |conn, actor| {
        require(By::Actor(actor))?;
        Ok(operators::list(conn, actor.company_id)?)
    })
    .await
}

pub async fn get_operator(db: &Db, principal: Principal, id: Id) -> ApiResult<Operator> {
    as_reader(db, principal, move |conn, actor| {
        require(By::Actor(actor))?;
        operator_of(conn, actor.company_id, id)
    })
    .await
}

pub async fn create_operator(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    req: NewOperatorRequest,
) -> ApiResult<OperatorCreated> {
    let password = tokio::task::spawn_blocking({
        let given = req.password.clone();
        move || new_password(given.as_deref())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    as_caller(db, principal, ip, move |ctx, actor| {
        create_operator_in(ctx, By::Actor(actor), actor.company_id, &req, password)
    })
    .await
}

pub async fn update_operator(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
    patch: OperatorPatch,
) -> ApiResult<Operator> {
    as_caller(db, principal, ip, move |ctx, actor| {
        update_operator_in(ctx, By::Actor(actor), actor.company_id, id, &patch)
    })
    .await
}

/// `DELETE /operators/{id}`: operators are never erased (their messages name them); this
/// deactivates.
pub async fn deactivate_operator(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
) -> ApiResult<()> {
    as_caller(db, principal, ip, move |ctx, actor| {
        set_active_in(ctx, By::Actor(actor), actor.company_id, id, false).map(|_| ())
    })
    .await
}

pub async fn reset_password(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
    req: PasswordReset,
) -> ApiResult<OperatorCreated> {
    let (hash, generated) =
        tokio::task::spawn_blocking(move || new_password(req.password.as_deref()))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    as_caller(db, principal, ip, move |ctx, actor| {
        reset_password_in(ctx, By::Actor(actor), actor.company_id, id, &hash)?;
        Ok(OperatorCreated {
            operator: operator_of(ctx.tx, actor.company_id, id)?,
            one_time_password: generated,
        })
    })
    .await
}

/// Every group or role of the caller's company (every operator may read them).
pub async fn list<E: Entry>(db: &Db, principal: Principal) -> ApiResult<Vec<E>> {
    as_reader(db, principal, |conn, actor| E::list(conn, actor.company_id)).await
}

pub async fn get<E: Entry>(db: &Db, principal: Principal, id: Id) -> ApiResult<E> {
    as_reader(db, principal, move |conn, actor| {
        E::get(conn, actor.company_id, id)
    })
    .await
}

pub async fn create<E: Entry>(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    input: E::New,
) -> ApiResult<E> {
    as_caller(db, principal, ip, move |ctx, actor| {
        E::create_in(ctx, By::Actor(actor), actor.company_id, &input)
    })
    .await
}

pub async fn update<E: Entry>(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
    input: E::Patch,
) -> ApiResult<E> {
    as_caller(db, principal, ip, move |ctx, actor| {
        E::update_in(ctx, By::Actor(actor), actor.company_id, id, &input)
    })
    .await
}

pub async fn delete<E: Entry>(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
    how: E::Removal,
) -> ApiResult<()> {
    as_caller(db, principal, ip, move |ctx, actor| {
        E::delete_in(ctx, By::Actor(actor), actor.company_id, id, how)
    })
    .await
}

// --- The CLI: the company by id (default the first), groups and roles by id or name. ---

/// What `operator add` asks for.
#[derive(Debug, Default)]
pub struct OperatorSpec {
    pub company_id: Option<Id>,
    pub email: String,
    pub name: String,
    /// `None`: a one-time password is made and returned.
    pub password: Option<String>,
    /// A role id or name.
    pub role: Option<String>,
    /// Group ids or names.
    pub groups: Vec<String>,
}

/// Adds an operator; returns them with the one-time password when none was given.
pub fn add_operator(db: &Db, spec: &OperatorSpec) -> ApiResult<OperatorCreated> {
    let password = new_password(spec.password.as_deref())?;
    db.write_blocking(|ctx| {
        let company = company_or_first(ctx.tx, spec.company_id)?;
        let req = NewOperatorRequest {
            email: spec.email.clone(),
            name: spec.name.clone(),
            password: None,
            role_id: match &spec.role {
                Some(r) => Some(find_role(ctx.tx, company.id, r)?),
                None => None,
            },
            group_ids: spec
                .groups
                .iter()
                .map(|g| find_group(ctx.tx, company.id, g))
                .collect::<ApiResult<Vec<Id>>>()?,
        };
        create_operator_in(ctx, By::Cli, company.id, &req, password.clone())
    })
}

/// Every operator of the company (default: the first one).
pub fn list_operators(db: &Db, company_id: Option<Id>) -> ApiResult<Vec<Operator>> {
    db.read_blocking(|conn| {
        let company = company_or_first(conn, company_id)?;
        Ok(operators::list(conn, company.id)?)
    })
}

/// Deactivates or reactivates the operator with `email`; returns how many sessions ended.
pub fn set_operator_active(db: &Db, email: &str, active: bool) -> ApiResult<usize> {
    let email = email.trim().to_string();
    db.write_blocking(|ctx| {
        let (rec, _) = operators::by_email(ctx.tx, &email)?
            .ok_or_else(|| ApiError::not_found(format!("No operator with email {email}.")))?;
        set_active_in(ctx, By::Cli, rec.company_id, rec.operator.id, active)
    })
}

/// Adds a group; returns it.
pub fn add_group(
    db: &Db,
    company_id: Option<Id>,
    name: &str,
    color: Option<&str>,
) -> ApiResult<Group> {
    let input = NewGroupRequest {
        name: name.to_string(),
        color: color.map(str::to_string),
    };
    db.write_blocking(|ctx| {
        let company = company_or_first(ctx.tx, company_id)?;
        Group::create_in(ctx, By::Cli, company.id, &input)
    })
}

/// Adds a role with the named permissions; returns it.
pub fn add_role(
    db: &Db,
    company_id: Option<Id>,
    name: &str,
    permissions: &[String],
) -> ApiResult<Role> {
    let input = NewRoleRequest {
        name: name.to_string(),
        permissions: permissions_from(permissions)?,
    };
    db.write_blocking(|ctx| {
        let company = company_or_first(ctx.tx, company_id)?;
        Role::create_in(ctx, By::Cli, company.id, &input)
    })
}

/// A role by id or (case-insensitive) name.
fn find_role(conn: &Conn<'_>, company_id: Id, wanted: &str) -> ApiResult<Id> {
    let wanted = wanted.trim();
    roles::list(conn, company_id)?
        .into_iter()
        .find(|r| r.id.to_string() == wanted || r.name.eq_ignore_ascii_case(wanted))
        .map(|r| r.id)
        .ok_or_else(|| ApiError::not_found(format!("No role {wanted:?} in this company.")))
}

#[cfg(test)]
mod tests {
    use super::{one_time_password, permissions_from};

    #[test]
    fn one_time_passwords_are_typeable_and_differ() {
        let a = one_time_password();
        assert_eq!(a.len(), 19, "{a}");
        assert!(
            a.chars().all(|c| c == '-' || c.is_ascii_alphanumeric()),
            "{a}"
        );
        assert_ne!(a, one_time_password());
    }

    #[test]
    fn permissions_by_name() {
        let p = permissions_from(&["show_all_tab".into(), " manage_settings".into()])
            .expect("known names");
        assert!(p.show_all_tab && p.manage_settings && !p.manage_operators);
        let err = permissions_from(&["fly".into()]).expect_err("unknown name");
        assert!(err.to_string().contains("No permission \"fly\""), "{err}");
    }
}
