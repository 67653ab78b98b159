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
    #[cfg_attr(feature = "openapi", schema(schema_with = entry_list))]
    pub entries: Vec<String>,
    /// Save even though the list shuts out the caller's own address (409 otherwise).
    #[serde(default)]
    pub confirm_lockout: bool,
}

/// The entries in the OpenAPI document: at most 500 addresses or CIDR ranges. Shorter IPv6
/// spellings (`2001:db8::/32`) are accepted too; the patterns only keep generated examples
/// valid.
#[cfg(feature = "openapi")]
fn entry_list() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{AnyOfBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let format = |f| string().format(Some(SchemaFormat::KnownFormat(f)));
    let octet = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    let v4_cidr = format!("^{octet}(\\.{octet}){{3}}/(3[0-2]|[12]?[0-9])$");
    let v6_cidr = "^[0-9a-f]{1,4}(:[0-9a-f]{1,4}){7}/(12[0-8]|1[01][0-9]|[1-9]?[0-9])$";
    utoipa::openapi::ArrayBuilder::new()
        .items(
            AnyOfBuilder::new()
                .item(format(KnownFormat::Ipv4))
                .item(format(KnownFormat::Ipv6))
                .item(string().pattern(Some(v4_cidr)))
                .item(string().pattern(Some(v6_cidr))),
        )
        .max_items(Some(500))
        .build()
}
