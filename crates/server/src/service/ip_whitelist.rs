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

use ipnet::IpNet;
use rusqlite::Connection;
use switchboard_protocol::{
    Id, IpWhitelistSettings, IpWhitelistUpdate, LogAction, LogDetails, LogTarget,
};

use super::actor::{resolve_actor, Principal};
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::storage::{action_log, ip_whitelist as store, Db};

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
pub fn admit_operator(conn: &Connection, company_id: Id, ip: Option<&str>) -> ApiResult<()> {
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
pub fn admit(conn: &Connection, principal: &Principal, ip: Option<&str>) -> ApiResult<()> {
    match principal {
        Principal::Session { operator, .. } => admit_operator(conn, operator.company_id, ip),
        Principal::Integration { .. } | Principal::Embed { .. } => Ok(()),
    }
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
        let (enabled, entries) = store::get(conn, actor.company_id)?;
        Ok(IpWhitelistSettings {
            enabled,
            entries,
            your_address: ip,
        })
    })
    .await
}

/// Replaces the company's whitelist (super-admin). A list that shuts out the caller's own
/// session is saved only with `confirm_lockout` (409 otherwise), so nobody locks themself out
/// by a typo.
pub async fn set(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    update: IpWhitelistUpdate,
) -> ApiResult<IpWhitelistSettings> {
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
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip.clone())?;
        actor.require_super_admin()?;
        let bound = matches!(principal, Principal::Session { .. });
        let caller_allowed = ip
            .as_deref()
            .and_then(|i| i.parse::<IpAddr>().ok())
            .is_some_and(|a| allows(&entries, a));
        if update.enabled && bound && !caller_allowed && !update.confirm_lockout {
            return Err(ApiError::Conflict(format!(
                "This list does not include your address {}: saving it signs you out. Send \"confirm_lockout\": true to save it anyway.",
                ip.as_deref().unwrap_or("(unknown)")
            )));
        }
        store::set(ctx.tx, actor.company_id, update.enabled, &entries)?;
        let details = LogDetails {
            ip_whitelist_enabled: Some(update.enabled),
            ip_whitelist_entries: Some(entries.clone()),
            ..LogDetails::default()
        };
        action_log::insert(
            ctx.tx,
            &action_log::Entry {
                company_id: actor.company_id,
                actor_operator_id: Some(actor.id()),
                actor_token_id: actor.token_id,
                target: LogTarget::Company,
                target_id: actor.company_id,
                action: LogAction::IpWhitelistChanged,
                ip: actor.ip.as_deref(),
                details: &details,
                created_at: now_ms(),
            },
        )?;
        Ok(IpWhitelistSettings {
            enabled: update.enabled,
            entries,
            your_address: ip,
        })
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
