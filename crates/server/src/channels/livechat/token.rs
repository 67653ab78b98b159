//! Visitor identity: `v1.<visitor hex>.<hex HMAC-SHA256>`, signed with the channel's
//! `token_key` (server-side only) over the channel id and the visitor id. The widget keeps it
//! in localStorage; whoever holds it is that visitor. A token of one channel (or forged, or
//! cut) opens nothing on another.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use switchboard_protocol::Id;

/// Longest token accepted (longer input is refused before any work).
pub const MAX_TOKEN_LEN: usize = 128;

/// A visitor, as a valid token names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visitor {
    /// 32 hex digits.
    pub id: String,
}

impl Visitor {
    /// The client's id in the channel (`clients.external_id`).
    pub fn external_id(&self) -> String {
        format!("lc-{}", self.id)
    }

    /// The name the desk shows until an operator renames the client.
    pub fn display_name(&self) -> String {
        format!("Visitor {}", &self.id[..6])
    }
}

/// A fresh key for a new channel.
pub fn new_key() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    hex::encode(key)
}

fn mac(key: &str, channel_id: Id, visitor: &str) -> Hmac<Sha256> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
    mac.update(format!("livechat-visitor:{channel_id}:{visitor}").as_bytes());
    mac
}

/// A new visitor and its token.
pub fn mint(key: &str, channel_id: Id) -> (Visitor, String) {
    let mut id = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut id);
    let id = hex::encode(id);
    let sig = hex::encode(mac(key, channel_id, &id).finalize().into_bytes());
    (Visitor { id: id.clone() }, format!("v1.{id}.{sig}"))
}

/// The visitor `token` names, if the channel's key signed it.
pub fn verify(key: &str, channel_id: Id, token: &str) -> Option<Visitor> {
    if token.len() > MAX_TOKEN_LEN {
        return None;
    }
    let mut parts = token.split('.');
    let (Some("v1"), Some(id), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if id.len() != 32
        || !id
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    {
        return None;
    }
    let sig = hex::decode(sig).ok()?;
    mac(key, channel_id, id).verify_slice(&sig).ok()?;
    Some(Visitor { id: id.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_only_their_channel() {
        let key = new_key();
        let (v, t) = mint(&key, 7);
        assert_eq!(verify(&key, 7, &t), Some(v.clone()));
        assert!(v.external_id().starts_with("lc-"));
        assert_eq!(verify(&key, 8, &t), None, "another channel");
        assert_eq!(verify(&new_key(), 7, &t), None, "another key");
        let (other, _) = mint(&key, 7);
        let forged = t.replace(&v.id, &other.id);
        assert_eq!(verify(&key, 7, &forged), None, "swapped visitor id");
        for bad in [
            "",
            "v1",
            "v1..",
            "v2.a.b",
            &format!("{t}.x"),
            &t[..t.len() - 2],
        ] {
            assert_eq!(verify(&key, 7, bad), None, "{bad}");
        }
        assert_eq!(verify(&key, 7, &"x".repeat(10_000)), None);
    }
}
