//! Settings › Advanced "IP address whitelist" (seed: "set specific IP-addresses by which
//! operators can have access"): `GET/PUT /api/v1/settings/ip-whitelist`.

use serde::{Deserialize, Serialize};

/// The company's whitelist as stored, and the address the server sees the caller at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IpWhitelistSettings {
    /// Off by default: every address may sign in.
    pub enabled: bool,
    /// IPv4/IPv6 addresses and CIDR ranges (`203.0.113.9`, `10.0.0.0/8`, `2001:db8::/32`),
    /// in canonical form, sorted.
    pub entries: Vec<String>,
    /// The caller's address as the server sees it (the TCP peer, or `X-Forwarded-For` from a
    /// trusted proxy): what the list must include for the caller to keep working.
    pub your_address: Option<String>,
}

/// `PUT /api/v1/settings/ip-whitelist`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IpWhitelistUpdate {
    pub enabled: bool,
    #[serde(default)]
    pub entries: Vec<String>,
    /// Save even though the list shuts out the caller's own address (409 otherwise).
    #[serde(default)]
    pub confirm_lockout: bool,
}
