//! Company setup and credentials: `init`, `token create`, login and logout, and the change
//! records of directory entities (operators, groups, channel accounts).

use crate::storage::sql::Conn;
use switchboard_protocol::{
    Change, ChannelAccount, ChannelKind, Company, Group, Id, LoginResponse, Operator,
};

use super::actor::{authenticate, Principal};
use super::{ip_whitelist, now_ms};
use crate::auth::{
    hash_password, new_token, token_hash, PasswordGate, SessionLifetime, API_PREFIX,
    CHANNEL_PREFIX, MAX_EMAIL_BYTES, MAX_PASSWORD_BYTES, SESSION_PREFIX,
};
use crate::error::{ApiError, ApiResult};
use crate::storage::changes::{self, Audience};
use crate::storage::channels::{self, ChannelRecord};
use crate::storage::operators::NewOperator;
use crate::storage::{companies, groups, login_attempts, operators, tokens, Db, WriteCtx};
use crate::throttle;

pub fn emit_operator(
    ctx: &mut WriteCtx<'_>,
    company_id: Id,
    op: &Operator,
    now: i64,
) -> ApiResult<()> {
    changes::append(
        ctx,
        company_id,
        op.id,
        Change::Operator(op.clone()),
        Audience::Company,
        now,
    )?;
    Ok(())
}

pub fn emit_group(ctx: &mut WriteCtx<'_>, company_id: Id, g: &Group, now: i64) -> ApiResult<()> {
    changes::append(
        ctx,
        company_id,
        g.id,
        Change::Group(g.clone()),
        Audience::Company,
        now,
    )?;
    Ok(())
}

pub fn emit_channel(
    ctx: &mut WriteCtx<'_>,
    company_id: Id,
    c: &ChannelAccount,
    now: i64,
) -> ApiResult<()> {
    changes::append(
        ctx,
        company_id,
        c.id,
        Change::ChannelAccount(c.clone()),
        Audience::Company,
        now,
    )?;
    Ok(())
}

/// The result of `init`.
#[derive(Debug, Clone)]
pub struct InitOutcome {
    pub company_id: Id,
    pub admin_id: Id,
}

pub fn validate_email(email: &str) -> ApiResult<String> {
    let email = email.trim();
    let ok = email.len() <= MAX_EMAIL_BYTES
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && !domain.is_empty() && !domain.contains('@')
        });
    if !ok {
        return Err(ApiError::bad_request(format!(
            "{email:?} is not an email address."
        )));
    }
    Ok(email.to_string())
}

/// Creates a company with its super-admin (blocking; the CLI calls it).
pub fn init_company(db: &Db, company: &str, email: &str, password: &str) -> ApiResult<InitOutcome> {
    let company = company.trim().to_string();
    if company.is_empty() {
        return Err(ApiError::bad_request("The company name must not be empty."));
    }
    let email = validate_email(email)?;
    if password.is_empty() || password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::bad_request(format!(
            "The password must be 1 to {MAX_PASSWORD_BYTES} bytes."
        )));
    }
    let hash = hash_password(password).map_err(|e| ApiError::Internal(e.to_string()))?;
    db.write_blocking(|ctx| {
        if operators::email_exists(ctx.tx, &email)? {
            return Err(ApiError::Conflict(format!(
                "An operator with email {email} already exists; pick another email."
            )));
        }
        let now = now_ms();
        let company_id = companies::insert(ctx.tx, &company, now)?;
        let name = email.split('@').next().unwrap_or("Admin").to_string();
        let admin_id = operators::insert(
            ctx.tx,
            &NewOperator {
                company_id,
                name: &name,
                email: &email,
                password_hash: &hash,
                super_admin: true,
                role_id: None,
            },
            now,
        )?;
        let admin = operators::get(ctx.tx, company_id, admin_id)?
            .ok_or_else(|| ApiError::Internal("admin vanished after insert".into()))?;
        // The first record gives the company a seq > 0, so a fresh app's snapshot has a
        // position to resume /sync from.
        emit_operator(ctx, company_id, &admin.operator, now)?;
        Ok(InitOutcome {
            company_id,
            admin_id,
        })
    })
}

/// Creates an API token for `company_id` (default: the first company) and returns it in clear.
pub fn create_api_token(db: &Db, name: &str, company_id: Option<Id>) -> ApiResult<String> {
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad_request("The token name must not be empty."));
    }
    db.write_blocking(|ctx| {
        let company = company_or_first(ctx.tx, company_id)?;
        let token = new_token(API_PREFIX);
        tokens::insert_api_token(ctx.tx, company.id, &name, &token_hash(&token), now_ms())?;
        Ok(token)
    })
}

/// What a login checks against, besides the database.
/// Sign-in attempts allowed per email and address in [`LOGIN_WINDOW_MS`]; a success clears
/// them. Counted in the database, so all server instances share the count.
pub const LOGIN_MAX_ATTEMPTS: i64 = 5;
pub const LOGIN_WINDOW_MS: i64 = 60_000;

/// Checks email and password; issues a session token. Wrong email and wrong password get the
/// same answer. Input too long for any account is refused before any work; past the attempts
/// per email and IP the answer is 429, and when the server already runs and queues all the
/// password checks it can, 503 at once.
pub async fn login(
    db: &Db,
    passwords: &PasswordGate,
    lifetime: SessionLifetime,
    email: String,
    password: String,
    ip: String,
) -> ApiResult<LoginResponse> {
    let email = email.trim().to_string();
    if email.len() > MAX_EMAIL_BYTES {
        return Err(ApiError::bad_request(format!(
            "The email is longer than {MAX_EMAIL_BYTES} bytes; no account has such an email."
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::bad_request(format!(
            "The password is longer than {MAX_PASSWORD_BYTES} bytes."
        )));
    }
    let admitted = passwords.admit().map_err(|_| {
        ApiError::Busy("The server is busy checking other logins; try again in a second.".into())
    })?;
    let key = throttle::key(&[&email.to_lowercase(), &ip]);
    let counted = db
        .write(move |ctx| {
            Ok(login_attempts::attempt(
                ctx.tx,
                &key,
                now_ms(),
                LOGIN_WINDOW_MS,
                LOGIN_MAX_ATTEMPTS,
            )?)
        })
        .await?;
    if let Err(wait_ms) = counted {
        return Err(ApiError::RateLimited {
            message: "Too many login attempts for this email; wait a minute and try again.".into(),
            retry_after: std::time::Duration::from_millis(u64::try_from(wait_ms).unwrap_or(0)),
        });
    }
    let db2 = db.clone();
    let verified = admitted
        .run(move |scratch| -> ApiResult<Option<(Id, Id)>> {
            let found = db2.read_blocking(|conn| Ok(operators::by_email(conn, &email)?))?;
            Ok(match found {
                Some((rec, hash)) if rec.operator.active && scratch.verify(&password, &hash) => {
                    Some((rec.operator.id, rec.company_id))
                }
                Some(_) => None,
                None => {
                    // Spend the same time as a real check so response time does not reveal
                    // which emails exist.
                    let _ = scratch.verify(&password, dummy_hash());
                    None
                }
            })
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let Some((operator_id, company_id)) = verified else {
        return Err(ApiError::Unauthorized("Wrong email or password.".into()));
    };
    db.write(move |ctx| {
        login_attempts::clear(ctx.tx, &key)?;
        // After the password check: only who knows the password learns of the whitelist.
        ip_whitelist::admit_operator(ctx.tx, company_id, Some(&ip))?;
        let token = new_token(SESSION_PREFIX);
        let now = now_ms();
        tokens::insert_session(ctx.tx, operator_id, &token_hash(&token), now)?;
        let principal = authenticate(ctx.tx, &token, &lifetime, now)?;
        let me = principal.me(ctx.tx)?;
        Ok(LoginResponse { token, me })
    })
    .await
}

/// A real argon2 hash (of a random password) checked when the email is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_token("")).unwrap_or_default())
}

/// Revokes the caller's session (API tokens are revoked by the administrator, not here).
pub async fn logout(db: &Db, principal: Principal) -> ApiResult<()> {
    match principal {
        Principal::Session { token_hash, .. } => {
            db.write(move |ctx| Ok(tokens::revoke_session(ctx.tx, &token_hash, now_ms())?))
                .await
        }
        Principal::Integration { .. } => Err(ApiError::Forbidden(
            "API tokens cannot log out; revoke the token instead (`token revoke --id`).".into(),
        )),
        // Never reaches here: embed links open only the embed routes.
        Principal::Embed { .. } => Err(ApiError::Forbidden(
            "An embed link cannot log out; it expires by itself.".into(),
        )),
    }
}

/// An operator changes their own password: the current one is checked on the password gate
/// (as a login is); every other session of theirs ends, the one asking stays signed in.
pub async fn change_own_password(
    db: &Db,
    passwords: &PasswordGate,
    principal: Principal,
    ip: Option<String>,
    current: String,
    new: String,
) -> ApiResult<()> {
    let Principal::Session {
        operator,
        token_hash,
        ..
    } = principal
    else {
        return Err(ApiError::Forbidden(
            "An API token has no password; sign in to the app to change yours.".into(),
        ));
    };
    if current.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::bad_request(format!(
            "The password is longer than {MAX_PASSWORD_BYTES} bytes."
        )));
    }
    if new.chars().count() < MIN_NEW_PASSWORD_CHARS || new.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::bad_request(format!(
            "The new password must be {MIN_NEW_PASSWORD_CHARS} characters to {MAX_PASSWORD_BYTES} bytes long."
        )));
    }
    let admitted = passwords.admit().map_err(|_| {
        ApiError::Busy("The server is busy checking other passwords; try again in a second.".into())
    })?;
    let email = operator.operator.email.clone();
    let db2 = db.clone();
    let new_hash = admitted
        .run(move |scratch| -> ApiResult<Option<String>> {
            let found = db2.read_blocking(|conn| Ok(operators::by_email(conn, &email)?))?;
            match found {
                Some((_, hash)) if scratch.verify(&current, &hash) => hash_password(&new)
                    .map(Some)
                    .map_err(|e| ApiError::Internal(e.to_string())),
                _ => Ok(None),
            }
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let Some(new_hash) = new_hash else {
        // 422, not 403: the caller may change their password, they mistyped the current one.
        return Err(ApiError::InvalidState(
            "Your current password is not right; nothing was changed.".into(),
        ));
    };
    let id = operator.operator.id;
    let company_id = operator.company_id;
    db.write(move |ctx| {
        let now = now_ms();
        operators::set_password_hash(ctx.tx, id, &new_hash)?;
        tokens::revoke_other_sessions(ctx.tx, id, &token_hash, now)?;
        crate::storage::action_log::insert(
            ctx.tx,
            &crate::storage::action_log::Entry {
                company_id,
                actor_operator_id: Some(id),
                actor_token_id: None,
                target: switchboard_protocol::LogTarget::Operator,
                target_id: id,
                action: switchboard_protocol::LogAction::PasswordChanged,
                ip: ip.as_deref(),
                details: &switchboard_protocol::LogDetails::default(),
                created_at: now,
            },
        )?;
        Ok(())
    })
    .await
}

/// Shortest password an operator may choose for themself.
const MIN_NEW_PASSWORD_CHARS: usize = 8;

pub fn me(conn: &Conn<'_>, principal: &Principal) -> ApiResult<switchboard_protocol::Me> {
    principal.me(conn)
}

/// What `token list` shows: every API token, and the live sessions.
pub struct TokenListing {
    pub api_tokens: Vec<tokens::ApiTokenRow>,
    pub sessions: Vec<tokens::SessionRow>,
}

pub fn list_tokens(db: &Db, lifetime: &SessionLifetime) -> ApiResult<TokenListing> {
    let (created_after, used_after) = lifetime.cutoffs(now_ms());
    db.read_blocking(|conn| {
        Ok(TokenListing {
            api_tokens: tokens::list_api_tokens(conn)?,
            sessions: tokens::list_live_sessions(conn, created_after, used_after)?,
        })
    })
}

/// What `token revoke` revokes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revoke {
    /// An API token by id.
    ApiToken(Id),
    /// A session by the start of its hash, as `token list` shows it.
    Session(String),
    /// Every session of the operator with this email.
    SessionsOf(String),
}

/// Revokes tokens; returns how many. Open event streams of a revoked token close within
/// seconds (they re-check their token).
pub fn revoke_tokens(db: &Db, what: &Revoke) -> ApiResult<usize> {
    let now = now_ms();
    db.write_blocking(|ctx| match what {
        Revoke::ApiToken(id) => {
            if tokens::revoke_api_token(ctx.tx, *id, now)? {
                Ok(1)
            } else {
                Err(ApiError::not_found(format!(
                    "No live API token with id {id}; see `token list`."
                )))
            }
        }
        Revoke::Session(prefix) => {
            if prefix.len() < 6 || !prefix.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(ApiError::bad_request(
                    "Name a session by at least 6 hex digits of its id, as `token list` shows it.",
                ));
            }
            match tokens::revoke_session_by_prefix(ctx.tx, &prefix.to_ascii_lowercase(), now)? {
                0 => Err(ApiError::not_found(format!(
                    "No live session {prefix}; see `token list`."
                ))),
                1 => Ok(1),
                n => Err(ApiError::bad_request(format!(
                    "{n} sessions start with {prefix}; give more digits."
                ))),
            }
        }
        Revoke::SessionsOf(email) => Ok(tokens::revoke_sessions_of(ctx.tx, email.trim(), now)?),
    })
}

/// A channel made by `channel add`: its id and inbound secret (shown once, to the admin).
#[derive(Debug)]
pub struct NewChannel {
    pub id: Id,
    pub secret: String,
}

/// What `channel add` asks for.
#[derive(Debug)]
pub struct ChannelSpec {
    pub kind: ChannelKind,
    pub name: String,
    /// The kind's own settings.
    pub options: crate::channels::ChannelOptions,
    /// A group id or name; the channel's conversations start in it.
    pub group: Option<String>,
    pub company_id: Option<Id>,
}

/// Adds a channel account with a fresh inbound secret.
pub fn add_channel(db: &Db, spec: &ChannelSpec) -> ApiResult<NewChannel> {
    let name = spec.name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::bad_request("The channel name must not be empty."));
    }
    let configured = crate::channels::configure(spec.kind, &spec.options)
        .map_err(|e| ApiError::bad_request(format!("{e}.")))?;
    db.write_blocking(|ctx| {
        let company = company_or_first(ctx.tx, spec.company_id)?;
        let group_id = match &spec.group {
            Some(g) => Some(find_group(ctx.tx, company.id, g)?),
            None => None,
        };
        let secret = new_token(CHANNEL_PREFIX);
        let now = now_ms();
        let id = channels::insert(
            ctx.tx,
            company.id,
            spec.kind,
            &name,
            group_id,
            Some(&secret),
            now,
        )?;
        channels::set_callback_url(ctx.tx, id, configured.callback_url.as_deref())?;
        channels::set_config(ctx.tx, id, &configured.config)?;
        let account = ChannelAccount {
            id,
            kind: spec.kind,
            name: name.clone(),
            group_id,
            disabled: false,
            tags: Vec::new(),
        };
        emit_channel(ctx, company.id, &account, now)?;
        Ok(NewChannel { id, secret })
    })
}

/// Every company's channels, without secrets.
pub fn list_channels(db: &Db) -> ApiResult<Vec<ChannelRecord>> {
    db.read_blocking(|conn| Ok(channels::list_all(conn)?))
}

pub(crate) fn company_or_first(conn: &Conn<'_>, id: Option<Id>) -> ApiResult<Company> {
    match id {
        Some(id) => companies::get(conn, id)?,
        None => companies::first(conn)?,
    }
    .ok_or_else(|| ApiError::not_found("No such company: run `init` (or `demo`) first."))
}

/// A group by id or (case-insensitive) name.
pub(crate) fn find_group(conn: &Conn<'_>, company_id: Id, wanted: &str) -> ApiResult<Id> {
    let wanted = wanted.trim();
    groups::list(conn, company_id)?
        .into_iter()
        .find(|g| g.id.to_string() == wanted || g.name.eq_ignore_ascii_case(wanted))
        .map(|g| g.id)
        .ok_or_else(|| ApiError::not_found(format!("No group {wanted:?} in this company.")))
}
