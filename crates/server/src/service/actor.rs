//! Who is calling (a [`Principal`], from the bearer token) and who acts (an [`Actor`]: the
//! operator a request performs as, with the visibility and rights that apply).

use crate::storage::sql::Conn;
use switchboard_protocol::{
    HiddenClientData, Id, LogAction, LogDetails, LogTarget, Me, Permissions,
};

use crate::auth::{token_hash, SessionLifetime};
use crate::error::{ApiError, ApiResult};
use crate::policy::{ActorFacts, Viewer};
use crate::storage::{companies, operators, operators::OperatorRecord, tokens, WriteCtx};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub enum Principal {
    /// An operator logged in through the app.
    Session {
        operator: OperatorRecord,
        token_hash: String,
        /// When the session was last used (before this request), ms.
        last_used_at: i64,
    },
    /// An API token (seed API integrations): super-admin rights; acts as the company's admin
    /// unless a request names another operator.
    Integration {
        token_id: Id,
        company_id: Id,
        admin: OperatorRecord,
    },
    /// An embedded conversation view (Settings › Advanced › Iframe integration): a signed,
    /// expiring link that acts as the operator who made it, for one conversation only (the
    /// embed routes never hand this principal to anything but that conversation).
    Embed {
        operator: OperatorRecord,
        conversation_id: Id,
    },
}

impl Principal {
    pub fn company_id(&self) -> Id {
        match self {
            Self::Session { operator, .. } | Self::Embed { operator, .. } => operator.company_id,
            Self::Integration { company_id, .. } => *company_id,
        }
    }

    /// The operator the caller is by default.
    pub fn operator(&self) -> &OperatorRecord {
        match self {
            Self::Session { operator, .. } | Self::Embed { operator, .. } => operator,
            Self::Integration { admin, .. } => admin,
        }
    }

    /// Super-admin sessions and integrations: no group or inbox limits.
    pub fn full_rights(&self) -> bool {
        match self {
            Self::Session { operator, .. } | Self::Embed { operator, .. } => {
                operator.operator.super_admin
            }
            Self::Integration { .. } => true,
        }
    }

    pub fn token_id(&self) -> Option<Id> {
        match self {
            Self::Session { .. } | Self::Embed { .. } => None,
            Self::Integration { token_id, .. } => Some(*token_id),
        }
    }

    /// Whose visibility applies to what this caller reads.
    /// (An integration acts as the company's first super-admin, who sees everything.)
    pub fn viewer(&self) -> Viewer {
        self.operator().viewer()
    }

    /// What of clients is removed from what this caller reads (Hide personal data): nothing
    /// for super-admins and integrations (which act as one).
    pub fn hidden(&self) -> HiddenClientData {
        self.operator().hidden
    }

    pub fn me(&self, conn: &Conn<'_>) -> ApiResult<Me> {
        let company = companies::get(conn, self.company_id())?.ok_or_else(|| {
            ApiError::Unauthorized("The token's company no longer exists.".into())
        })?;
        let op = self.operator();
        let permissions = if self.full_rights() {
            Permissions::all()
        } else {
            op.permissions.clone()
        };
        Ok(Me {
            operator: op.operator.clone(),
            company,
            permissions,
            hidden_client_data: self.hidden(),
        })
    }
}

/// The refusal of a dead token; a deactivated operator's app is told so in a plain sentence
/// (it shows it on the sign-in screen).
fn token_dead(conn: &Conn<'_>, hash: &str) -> ApiResult<ApiError> {
    Ok(ApiError::Unauthorized(
        if tokens::of_deactivated_operator(conn, hash)? {
            "Your account was deactivated by an admin."
        } else {
            "Your sign-in has ended (expired, revoked or signed out elsewhere). Sign in again, or create a new API token."
        }
        .into(),
    ))
}

/// Resolves a bearer token to its principal; `Unauthorized` for unknown, expired or revoked
/// tokens and for sessions of deactivated operators.
pub fn authenticate(
    conn: &Conn<'_>,
    token: &str,
    lifetime: &SessionLifetime,
    now: i64,
) -> ApiResult<Principal> {
    let hash = token_hash(token);
    let (created_after, used_after) = lifetime.cutoffs(now);
    if let Some(s) = tokens::find_session(conn, &hash, created_after, used_after)? {
        if let Some(operator) = operators::get(conn, s.company_id, s.operator_id)? {
            return Ok(Principal::Session {
                operator,
                token_hash: hash,
                last_used_at: s.last_used_at,
            });
        }
    }
    if let Some((token_id, company_id)) = tokens::find_api_token(conn, &hash)? {
        let admin = operators::first_super_admin(conn, company_id)?.ok_or_else(|| {
            ApiError::Unauthorized(
                "The token's company has no super-admin; run `init` again.".into(),
            )
        })?;
        return Ok(Principal::Integration {
            token_id,
            company_id,
            admin,
        });
    }
    Err(token_dead(conn, &hash)?)
}

/// Checks that a principal authenticated earlier is still alive (its session not revoked,
/// expired or of a deactivated operator; its API token not revoked): long-lived streams ask
/// this now and then.
pub fn still_alive(
    conn: &Conn<'_>,
    principal: &Principal,
    lifetime: &SessionLifetime,
    now: i64,
) -> ApiResult<()> {
    let alive = match principal {
        Principal::Session { token_hash, .. } => {
            let (created_after, used_after) = lifetime.cutoffs(now);
            tokens::find_session(conn, token_hash, created_after, used_after)?.is_some()
        }
        Principal::Integration { token_id, .. } => tokens::api_token_live(conn, *token_id)?,
        // Checked (signature, expiry, the setting on) on every request of the link.
        Principal::Embed { .. } => true,
    };
    match principal {
        _ if alive => Ok(()),
        Principal::Session { token_hash, .. } => Err(token_dead(conn, token_hash)?),
        Principal::Integration { .. } | Principal::Embed { .. } => Err(token_dead(conn, "")?),
    }
}

/// The operator a request performs as, and what applies to it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub company_id: Id,
    pub operator: OperatorRecord,
    /// Visibility: the caller's (not the acting operator's) — an integration sees everything.
    pub viewer: Viewer,
    pub facts: ActorFacts,
    pub token_id: Option<Id>,
    pub ip: Option<String>,
}

impl Actor {
    /// 403 unless the actor may read and change Settings › Advanced: super-admins (and API
    /// tokens, which act as one) only, as the seed says ("restricted by default").
    pub fn require_super_admin(&self) -> ApiResult<()> {
        if self.facts.full_rights {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "Only a super-admin can see or change Settings › Advanced.".into(),
            ))
        }
    }

    pub fn id(&self) -> Id {
        self.operator.operator.id
    }

    /// One action-log row of this actor (their id, token and IP) about `target` in their company.
    pub fn log(
        &self,
        ctx: &WriteCtx<'_>,
        target: (LogTarget, Id),
        action: LogAction,
        details: &LogDetails,
    ) -> ApiResult<()> {
        super::directory::By::Actor(self).log(ctx, self.company_id, target, action, details)
    }
}

/// Picks the acting operator: `operator_id` if given (must exist in the caller's company; an
/// ordinary operator may only name themself), else the caller (the admin for API tokens).
pub fn resolve_actor(
    conn: &Conn<'_>,
    principal: &Principal,
    operator_id: Option<Id>,
    ip: Option<String>,
) -> ApiResult<Actor> {
    let company_id = principal.company_id();
    let operator = match operator_id {
        None => principal.operator().clone(),
        Some(id) if id == principal.operator().operator.id => principal.operator().clone(),
        Some(id) => {
            let found = operators::get(conn, company_id, id)?
                .ok_or_else(|| ApiError::not_found(format!("Operator {id} not found.")))?;
            if !principal.full_rights() {
                return Err(ApiError::Forbidden(
                    "An operator's token acts as that operator: leave operator_id out or use an API token."
                        .into(),
                ));
            }
            found
        }
    };
    if !operator.operator.active {
        return Err(ApiError::InvalidState(format!(
            "Operator {} is deactivated; reactivate them or act as someone else.",
            operator.operator.id
        )));
    }
    let full_rights = principal.full_rights();
    let facts = ActorFacts {
        operator_id: operator.operator.id,
        full_rights,
        manages: full_rights || operator.permissions.conversations_management,
        group_ids: operator.operator.group_ids.clone(),
    };
    Ok(Actor {
        company_id,
        viewer: principal.viewer(),
        operator,
        facts,
        token_id: principal.token_id(),
        ip,
    })
}
