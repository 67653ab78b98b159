//! The company's directory: operators, groups and roles, as an admin manages them. The CLI's
//! `operator`, `group` and `role` commands call these (a headless install has no app yet);
//! every change is a change record, so open apps see new colleagues and groups at once.

use rand::Rng;
use switchboard_protocol::{Id, Operator, Permissions};

use super::admin::{company_or_first, emit_group, emit_operator, find_group, validate_email};
use super::now_ms;
use crate::auth::{hash_password, MAX_PASSWORD_BYTES};
use crate::error::{ApiError, ApiResult};
use crate::storage::operators::NewOperator;
use crate::storage::{groups, operators, roles, tokens, Db};

/// Longest name of an operator, group or role.
const MAX_NAME_CHARS: usize = 200;
/// Colour of a group made without one (the app's accent blue).
const DEFAULT_GROUP_COLOR: &str = "#3b82f6";

/// What `operator add` asks for.
#[derive(Debug, Default)]
pub struct OperatorSpec {
    pub company_id: Option<Id>,
    pub email: String,
    pub name: String,
    /// `None`: a one-time password is made and returned.
    pub password: Option<String>,
    /// A role id or name; `None`: no role (no extra permissions).
    pub role: Option<String>,
    /// Group ids or names.
    pub groups: Vec<String>,
}

/// A new operator, with the password made for them (shown once) when none was given.
#[derive(Debug)]
pub struct NewOperatorMade {
    pub id: Id,
    pub generated_password: Option<String>,
}

fn checked_name(raw: &str, what: &str) -> ApiResult<String> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(ApiError::bad_request(format!(
            "The {what} name must be 1 to {MAX_NAME_CHARS} characters."
        )));
    }
    Ok(name.to_string())
}

/// A password a person can type from a message: four groups of four letters and digits
/// (about 82 bits), without look-alikes.
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

/// Adds an operator to the company (default: the first one).
pub fn add_operator(db: &Db, spec: &OperatorSpec) -> ApiResult<NewOperatorMade> {
    let email = validate_email(&spec.email)?;
    let name = checked_name(&spec.name, "operator")?;
    let generated_password = spec.password.is_none().then(one_time_password);
    let password = spec
        .password
        .as_deref()
        .or(generated_password.as_deref())
        .unwrap_or_default();
    if password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::bad_request(format!(
            "The password must be 1 to {MAX_PASSWORD_BYTES} bytes."
        )));
    }
    let hash = hash_password(password).map_err(|e| ApiError::Internal(e.to_string()))?;
    db.write_blocking(|ctx| {
        let company = company_or_first(ctx.tx, spec.company_id)?;
        if operators::email_exists(ctx.tx, &email)? {
            return Err(ApiError::Conflict(format!(
                "An operator with email {email} already exists; pick another email."
            )));
        }
        let role_id = match &spec.role {
            Some(r) => Some(find_role(ctx.tx, company.id, r)?),
            None => None,
        };
        let group_ids = spec
            .groups
            .iter()
            .map(|g| find_group(ctx.tx, company.id, g))
            .collect::<ApiResult<Vec<Id>>>()?;
        let now = now_ms();
        let id = operators::insert(
            ctx.tx,
            &NewOperator {
                company_id: company.id,
                name: &name,
                email: &email,
                password_hash: &hash,
                super_admin: false,
                role_id,
            },
            now,
        )?;
        for g in group_ids {
            operators::add_to_group(ctx.tx, id, g)?;
        }
        let made = operators::get(ctx.tx, company.id, id)?
            .ok_or_else(|| ApiError::Internal("operator vanished after insert".into()))?;
        emit_operator(ctx, company.id, &made.operator, now)?;
        Ok(NewOperatorMade {
            id,
            generated_password: generated_password.clone(),
        })
    })
}

/// Every operator of the company (default: the first one).
pub fn list_operators(db: &Db, company_id: Option<Id>) -> ApiResult<Vec<Operator>> {
    db.read_blocking(|conn| {
        let company = company_or_first(conn, company_id)?;
        Ok(operators::list(conn, company.id)?)
    })
}

/// Deactivates (`active == false`) or reactivates the operator with `email`. Deactivating
/// signs them out everywhere at once: every session is revoked, and a deactivated operator
/// can neither sign in nor use a token. Returns how many sessions ended.
pub fn set_operator_active(db: &Db, email: &str, active: bool) -> ApiResult<usize> {
    let email = email.trim().to_string();
    db.write_blocking(|ctx| {
        let (rec, _) = operators::by_email(ctx.tx, &email)?
            .ok_or_else(|| ApiError::not_found(format!("No operator with email {email}.")))?;
        let now = now_ms();
        let ended = if active {
            0
        } else {
            tokens::revoke_sessions_of(ctx.tx, &email, now)?
        };
        if rec.operator.active != active {
            operators::set_active(ctx.tx, rec.operator.id, active)?;
            let op = Operator {
                active,
                ..rec.operator
            };
            emit_operator(ctx, rec.company_id, &op, now)?;
        }
        Ok(ended)
    })
}

/// Adds a group; returns its id.
pub fn add_group(
    db: &Db,
    company_id: Option<Id>,
    name: &str,
    color: Option<&str>,
) -> ApiResult<Id> {
    let name = checked_name(name, "group")?;
    let color = match color.map(str::trim) {
        Some(c) if is_hex_color(c) => c.to_ascii_lowercase(),
        Some(c) => {
            return Err(ApiError::bad_request(format!(
                "{c:?} is not a colour like #3b82f6."
            )))
        }
        None => DEFAULT_GROUP_COLOR.to_string(),
    };
    db.write_blocking(|ctx| {
        let company = company_or_first(ctx.tx, company_id)?;
        if groups::list(ctx.tx, company.id)?
            .iter()
            .any(|g| g.name.eq_ignore_ascii_case(&name))
        {
            return Err(ApiError::Conflict(format!(
                "The group {name:?} already exists."
            )));
        }
        let id = groups::insert(ctx.tx, company.id, &name, &color)?;
        let group = groups::get(ctx.tx, company.id, id)?
            .ok_or_else(|| ApiError::Internal("group vanished after insert".into()))?;
        emit_group(ctx, company.id, &group, now_ms())?;
        Ok(id)
    })
}

fn is_hex_color(c: &str) -> bool {
    c.len() == 7 && c.starts_with('#') && c[1..].chars().all(|ch| ch.is_ascii_hexdigit())
}

/// The permission set named by `names`: the field names of [`Permissions`] as the API spells
/// them (the struct is the one list of permissions).
pub fn permissions_from(names: &[String]) -> ApiResult<Permissions> {
    let mut flags = serde_json::to_value(Permissions::default())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let known = |flags: &serde_json::Value| -> String {
        flags
            .as_object()
            .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
            .unwrap_or_default()
    };
    for raw in names {
        let name = raw.trim();
        match flags.get_mut(name) {
            Some(flag) => *flag = true.into(),
            None => {
                return Err(ApiError::bad_request(format!(
                    "No permission {name:?}; the permissions are {}.",
                    known(&flags)
                )))
            }
        }
    }
    serde_json::from_value(flags).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Adds a role (a named permission set); returns its id.
pub fn add_role(
    db: &Db,
    company_id: Option<Id>,
    name: &str,
    permissions: &[String],
) -> ApiResult<Id> {
    let name = checked_name(name, "role")?;
    let permissions = permissions_from(permissions)?;
    db.write_blocking(|ctx| {
        let company = company_or_first(ctx.tx, company_id)?;
        if roles::list(ctx.tx, company.id)?
            .iter()
            .any(|r| r.name.eq_ignore_ascii_case(&name))
        {
            return Err(ApiError::Conflict(format!(
                "The role {name:?} already exists."
            )));
        }
        Ok(roles::insert(ctx.tx, company.id, &name, &permissions)?)
    })
}

/// A role by id or (case-insensitive) name.
fn find_role(conn: &rusqlite::Connection, company_id: Id, wanted: &str) -> ApiResult<Id> {
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
