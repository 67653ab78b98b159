//! Settings › Advanced "IP address whitelist" (seed: "set specific IP-addresses by which
//! operators can have access"): the rule, in one place, that an operator's session is refused
//! from an address outside the company's list, and the setting itself.
//!
//! Decisions:
//! - The list binds operators: sign-in, every request and the events socket of an app session
//!   (the `Auth` extractor, the events socket's liveness check and the login call [`admit`] /
//!   [`admit_operator`]). API tokens (integrations) are not bound: the seed speaks of
//!   operators, and an integration calls from its own servers, whose addresses are not the
//!   office's; a leaked token is revoked, not fenced.
//! - At sign-in the refusal comes after the password check, so only someone who knows the
//!   password learns that a whitelist exists.
//! - Entries are IPv4/IPv6 addresses or CIDR ranges, stored canonical (`10.1.2.3/8` is
//!   `10.0.0.0/8`, `::ffff:10.0.0.1` is `10.0.0.1`); an address the server cannot read (no
//!   peer) is refused while the list is on.

use std::net::IpAddr;

use crate::storage::sql::Conn;
use ipnet::IpNet;
use switchboard_protocol::{
    Id, IpWhitelistSettings, IpWhitelistUpdate, LogAction, LogDetails, LogTarget,
};

use super::actor::{resolve_actor, Actor, Principal};
use crate::error::{ApiError, ApiResult};
use crate::storage::{ip_whitelist as store, Db, WriteCtx};

/// At most this many entries per company.
pub const MAX_ENTRIES: usize = 500;

/// One entry as typed: an address or a CIDR range; 400 naming the entry otherwise.
pub fn parse_entry(s: &str) -> ApiResult<IpNet> {
    let t = s.trim();
    let net = t
        .parse::<IpNet>()
        .ok()
        .or_else(|| {
            t.parse::<IpAddr>()
                .ok()
                .map(|a| IpNet::from(a.to_canonical()))
        })
        .ok_or_else(|| {
            ApiError::bad_request(format!(
                "\"{s}\" is not an IP address or a CIDR range (like 203.0.113.9, 10.0.0.0/8 or 2001:db8::/32)."
            ))
        })?;
    Ok(net.trunc())
}

/// An entry as stored and shown: a single address without its `/32` or `/128`.
fn canonical(net: IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

fn allows(entries: &[String], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    entries
        .iter()
        .filter_map(|e| parse_entry(e).ok())
        .any(|n| n.contains(&ip))
}

fn refused(ip: Option<&str>) -> ApiError {
    ApiError::AddressRefused(format!(
        "Your address {} is not allowed by your company's IP whitelist; ask your admin.",
        ip.unwrap_or("(unknown)")
    ))
}

/// `Ok` when an operator of `company_id` may work from `ip`: the list is off, or includes it.
pub fn admit_operator(conn: &Conn<'_>, company_id: Id, ip: Option<&str>) -> ApiResult<()> {
    let (enabled, entries) = store::get(conn, company_id)?;
    if !enabled {
        return Ok(());
    }
    match ip.and_then(|i| i.parse::<IpAddr>().ok()) {
        Some(addr) if allows(&entries, addr) => Ok(()),
        _ => Err(refused(ip)),
    }
}

/// The rule for an authenticated caller: app sessions are bound by the list, API tokens are
/// not (module docs), nor embed links: the super-admin or an integration made each for a
/// CRM whose users work from their own addresses.
pub fn admit(conn: &Conn<'_>, principal: &Principal, ip: Option<&str>) -> ApiResult<()> {
    match principal {
        Principal::Session { operator, .. } => admit_operator(conn, operator.company_id, ip),
        Principal::Integration { .. } | Principal::Embed { .. } => Ok(()),
    }
}

/// The company's whitelist, with the address the caller is seen at.
pub fn settings_of(
    conn: &Conn<'_>,
    company_id: Id,
    ip: Option<String>,
) -> ApiResult<IpWhitelistSettings> {
    let (enabled, entries) = store::get(conn, company_id)?;
    Ok(IpWhitelistSettings {
        enabled,
        entries,
        your_address: ip,
    })
}

/// The company's whitelist (super-admin), with the address the caller is seen at.
pub async fn get(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
) -> ApiResult<IpWhitelistSettings> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        actor.require_super_admin()?;
        settings_of(conn, actor.company_id, ip)
    })
    .await
}

/// A whitelist [`check`] cleaned: entries canonical, sorted, deduplicated.
#[derive(Debug, Clone)]
pub struct CleanList {
    enabled: bool,
    entries: Vec<String>,
    confirm_lockout: bool,
}

/// Checks and cleans a list: at most [`MAX_ENTRIES`], each an address or a range (400).
pub fn check(update: IpWhitelistUpdate) -> ApiResult<CleanList> {
    if update.entries.len() > MAX_ENTRIES {
        return Err(ApiError::bad_request(format!(
            "The IP whitelist holds at most {MAX_ENTRIES} entries."
        )));
    }
    let mut entries = update
        .entries
        .iter()
        .map(|e| parse_entry(e).map(canonical))
        .collect::<ApiResult<Vec<_>>>()?;
    entries.sort();
    entries.dedup();
    Ok(CleanList {
        enabled: update.enabled,
        entries,
        confirm_lockout: update.confirm_lockout,
    })
}

/// Stores a list [`check`] cleaned, with its action-log row (the super-admin's rights are
/// checked by the caller). A list that shuts out the actor's own session (at `actor.ip`) is
/// saved only with `confirm_lockout` (409 otherwise), so nobody locks themself out by a typo;
/// an API token (`token_id`) is not bound by the list (module docs), and an embed link, the
/// other caller without one, never reaches the settings routes.
pub fn set_in(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    clean: CleanList,
) -> ApiResult<IpWhitelistSettings> {
    let CleanList {
        enabled,
        entries,
        confirm_lockout,
    } = clean;
    let ip = actor.ip.clone();
    let bound = actor.token_id.is_none();
    let caller_allowed = ip
        .as_deref()
        .and_then(|i| i.parse::<IpAddr>().ok())
        .is_some_and(|a| allows(&entries, a));
    if enabled && bound && !caller_allowed && !confirm_lockout {
        return Err(ApiError::Conflict(format!(
            "This list does not include your address {}: saving it signs you out. Send \"confirm_lockout\": true to save it anyway.",
            ip.as_deref().unwrap_or("(unknown)")
        )));
    }
    store::set(ctx.tx, actor.company_id, enabled, &entries)?;
    let details = LogDetails {
        ip_whitelist_enabled: Some(enabled),
        ip_whitelist_entries: Some(entries.clone()),
        ..LogDetails::default()
    };
    actor.log(
        ctx,
        (LogTarget::Company, actor.company_id),
        LogAction::IpWhitelistChanged,
        &details,
    )?;
    Ok(IpWhitelistSettings {
        enabled,
        entries,
        your_address: ip,
    })
}

/// Replaces the company's whitelist (super-admin).
pub async fn set(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    update: IpWhitelistUpdate,
) -> ApiResult<IpWhitelistSettings> {
    let clean = check(update)?;
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        actor.require_super_admin()?;
        set_in(ctx, &actor, clean)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn canon(s: &str) -> String {
        canonical(parse_entry(s).expect(s))
    }

    #[test]
    fn entries_are_read_canonical() {
        assert_eq!(canon("10.1.2.3/8"), "10.0.0.0/8");
        assert_eq!(canon(" 203.0.113.9 "), "203.0.113.9");
        assert_eq!(canon("::ffff:10.0.0.1"), "10.0.0.1");
        assert_eq!(canon("2001:DB8::1/32"), "2001:db8::/32");
        for bad in ["", "10.0.0.0/33", "example.com", "1.2.3", "::/129"] {
            let e = parse_entry(bad).expect_err(bad).to_string();
            assert!(e.contains("not an IP address"), "{bad}: {e}");
        }
    }

    #[test]
    fn ranges_and_addresses_match_v4_and_v6() {
        let list = vec![
            "10.0.0.0/8".to_string(),
            "2001:db8::/32".into(),
            "198.51.100.7".into(),
        ];
        assert!(allows(&list, ip("10.200.0.1")));
        assert!(allows(&list, ip("::ffff:10.0.0.1")));
        assert!(allows(&list, ip("2001:db8:1::5")));
        assert!(allows(&list, ip("198.51.100.7")));
        assert!(!allows(&list, ip("198.51.100.8")));
        assert!(!allows(&list, ip("2001:db9::1")));
        assert!(!allows(&list, ip("127.0.0.1")));
        assert!(!allows(&[], ip("127.0.0.1")));
    }
}
