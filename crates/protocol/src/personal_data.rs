//! Settings › Advanced › "Hide personal data from operators": a client's contact (phone, email,
//! username, profile link) and, optionally, avatar are hidden from operators of every group
//! except the exempt ones; the super-admin is not affected.
//!
//! The server removes them before anything leaves it for such an operator ([`Redact`]); the
//! app's cache never holds them. This module is the one statement of what "hidden" removes.

use serde::{Deserialize, Serialize};

use crate::search::SearchResults;
use crate::{Change, Client, Conversation, Id};
use crate::{ConversationDetail, SnapshotPage, SyncPage};

/// What a channel tells about a client beyond their name. Every field is optional: channels
/// know different things (an email address; a Telegram username; whatever a Custom app sends).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientContact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub email: Option<String>,
    /// The client's handle in the messenger, e.g. `@marta_k`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub username: Option<String>,
    /// A link to the client's profile in the messenger or social network.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub profile_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 2048))]
    pub avatar_url: Option<String>,
}

impl ClientContact {
    /// The values that identify the client (what "hide contacts" removes), without the avatar.
    fn identifiers(&self) -> impl Iterator<Item = &str> {
        [&self.phone, &self.email, &self.username, &self.profile_url]
            .into_iter()
            .filter_map(|v| v.as_deref())
    }

    /// `other`'s fields where given, ours elsewhere: a channel that sends only a phone does not
    /// erase an email it never knew.
    #[must_use]
    pub fn merged(&self, other: &ClientContact) -> ClientContact {
        let pick = |new: &Option<String>, old: &Option<String>| new.clone().or_else(|| old.clone());
        ClientContact {
            phone: pick(&other.phone, &self.phone),
            email: pick(&other.email, &self.email),
            username: pick(&other.username, &self.username),
            profile_url: pick(&other.profile_url, &self.profile_url),
            avatar_url: pick(&other.avatar_url, &self.avatar_url),
        }
    }
}

/// What one operator may not see of clients. Both `false` for the super-admin and for anyone
/// while the function is off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HiddenClientData {
    /// Phone, email, username, profile link and the channel's id of the client.
    pub contacts: bool,
    pub avatars: bool,
}

impl HiddenClientData {
    pub const NONE: Self = Self {
        contacts: false,
        avatars: false,
    };

    /// The function's effect on one operator: `settings` apply unless they are a super-admin
    /// or in one of the exempt groups ("Select those groups of operators for which this
    /// function won't work").
    pub fn for_operator(
        settings: &PersonalDataSettings,
        super_admin: bool,
        group_ids: &[Id],
    ) -> Self {
        let exempt = group_ids
            .iter()
            .any(|g| settings.exempt_group_ids.contains(g));
        if !settings.enabled || super_admin || exempt {
            return Self::NONE;
        }
        Self {
            contacts: true,
            avatars: settings.hide_avatars,
        }
    }

    pub fn any(self) -> bool {
        self.contacts || self.avatars
    }
}

/// `GET/PUT /api/v1/settings/personal-data`. Off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonalDataSettings {
    /// "Hide data for all operators besides Super-Admin".
    pub enabled: bool,
    /// "Hide avatars" (only while `enabled`).
    pub hide_avatars: bool,
    /// Operators in any of these groups see everything.
    #[serde(default)]
    pub exempt_group_ids: Vec<Id>,
}

/// Removes from a value what `hidden` says the reader may not see. Implemented by every wire
/// type that carries a client, so each path states it once: `value.redact(hidden)`.
pub trait Redact {
    fn redact(&mut self, hidden: HiddenClientData);
}

impl Redact for Client {
    fn redact(&mut self, hidden: HiddenClientData) {
        if hidden.contacts {
            // A channel without a name for the client named them by an identifier (an address,
            // a phone number): such a name goes too, or it would show what was removed.
            let id = self.id;
            let identifying = |name: &str| {
                let name = name.trim();
                !name.is_empty()
                    && (name.eq_ignore_ascii_case(self.external_id.trim())
                        || self
                            .contact
                            .identifiers()
                            .any(|v| name.eq_ignore_ascii_case(v.trim())))
            };
            let neutral = format!("Client #{id}");
            let display = identifying(&self.display_name);
            let original = identifying(&self.original_name);
            if display {
                self.display_name.clone_from(&neutral);
            }
            if original {
                self.original_name = neutral;
            }
            self.external_id = String::new();
            self.contact.phone = None;
            self.contact.email = None;
            self.contact.username = None;
            self.contact.profile_url = None;
            self.contact_hidden = true;
        }
        if hidden.avatars {
            self.contact.avatar_url = None;
        }
    }
}

impl Client {
    /// Whether [`Redact::redact`] with `hidden` renames this client (their name is one of the
    /// identifiers it removes): a search must not find them by that name.
    pub fn named_by_identifier(&self, hidden: HiddenClientData) -> bool {
        let mut c = self.clone();
        c.redact(hidden);
        c.display_name != self.display_name || c.original_name != self.original_name
    }
}

impl Redact for Conversation {
    fn redact(&mut self, hidden: HiddenClientData) {
        self.client.redact(hidden);
    }
}

impl<T: Redact> Redact for Vec<T> {
    fn redact(&mut self, hidden: HiddenClientData) {
        for v in self {
            v.redact(hidden);
        }
    }
}

impl Redact for ConversationDetail {
    fn redact(&mut self, hidden: HiddenClientData) {
        self.conversation.redact(hidden);
    }
}

impl Redact for Change {
    fn redact(&mut self, hidden: HiddenClientData) {
        if let Change::Conversation(c) = self {
            c.redact(hidden);
        }
    }
}

impl Redact for SyncPage {
    fn redact(&mut self, hidden: HiddenClientData) {
        for r in &mut self.changes {
            r.change.redact(hidden);
        }
    }
}

impl Redact for SnapshotPage {
    fn redact(&mut self, hidden: HiddenClientData) {
        self.conversations.redact(hidden);
    }
}

impl Redact for SearchResults {
    fn redact(&mut self, hidden: HiddenClientData) {
        for h in &mut self.hits {
            h.conversation.redact(hidden);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(name: &str) -> Client {
        Client {
            id: 7,
            channel_account_id: 1,
            external_id: "+15550100".into(),
            original_name: name.into(),
            display_name: name.into(),
            blacklisted: false,
            pinned_operator_id: None,
            created_at: 0,
            contact: ClientContact {
                phone: Some("+15550100".into()),
                email: Some("marta@example.com".into()),
                username: Some("@marta".into()),
                profile_url: Some("https://t.me/marta".into()),
                avatar_url: Some("https://cdn.example/m.png".into()),
            },
            contact_hidden: false,
        }
    }

    #[test]
    fn hiding_contacts_removes_every_identifier_and_keeps_the_name() {
        let mut c = client("Marta");
        c.redact(HiddenClientData {
            contacts: true,
            avatars: false,
        });
        assert_eq!(c.display_name, "Marta");
        assert_eq!(c.external_id, "");
        assert!(c.contact_hidden);
        assert_eq!(
            c.contact,
            ClientContact {
                avatar_url: Some("https://cdn.example/m.png".into()),
                ..ClientContact::default()
            }
        );
        let json = serde_json::to_string(&c).expect("json");
        for secret in ["5550100", "marta@", "@marta", "t.me"] {
            assert!(!json.contains(secret), "{secret} left in {json}");
        }
    }

    #[test]
    fn a_name_that_is_an_identifier_is_replaced() {
        for name in ["+15550100", " MARTA@example.com ", "@marta"] {
            let mut c = client(name);
            assert!(c.named_by_identifier(HiddenClientData {
                contacts: true,
                avatars: false
            }));
            c.redact(HiddenClientData {
                contacts: true,
                avatars: true,
            });
            assert_eq!(c.display_name, "Client #7", "{name}");
            assert_eq!(c.original_name, "Client #7", "{name}");
            assert_eq!(c.contact, ClientContact::default());
        }
        assert!(!client("Marta").named_by_identifier(HiddenClientData {
            contacts: true,
            avatars: false
        }));
    }

    #[test]
    fn nothing_hidden_changes_nothing() {
        let mut c = client("+15550100");
        c.redact(HiddenClientData::NONE);
        assert_eq!(c, client("+15550100"));
    }

    #[test]
    fn who_is_affected() {
        let on = PersonalDataSettings {
            enabled: true,
            hide_avatars: false,
            exempt_group_ids: vec![3],
        };
        let hidden = HiddenClientData {
            contacts: true,
            avatars: false,
        };
        assert_eq!(HiddenClientData::for_operator(&on, false, &[1]), hidden);
        assert_eq!(HiddenClientData::for_operator(&on, false, &[]), hidden);
        assert_eq!(
            HiddenClientData::for_operator(&on, false, &[1, 3]),
            HiddenClientData::NONE
        );
        assert_eq!(
            HiddenClientData::for_operator(&on, true, &[1]),
            HiddenClientData::NONE
        );
        let off = PersonalDataSettings {
            enabled: false,
            hide_avatars: true,
            ..on.clone()
        };
        assert_eq!(
            HiddenClientData::for_operator(&off, false, &[1]),
            HiddenClientData::NONE
        );
        let avatars = PersonalDataSettings {
            hide_avatars: true,
            ..on
        };
        assert!(HiddenClientData::for_operator(&avatars, false, &[1]).avatars);
    }

    #[test]
    fn merging_keeps_what_the_channel_did_not_send() {
        let old = client("M").contact;
        let new = ClientContact {
            phone: Some("+1999".into()),
            ..ClientContact::default()
        };
        let m = old.merged(&new);
        assert_eq!(m.phone.as_deref(), Some("+1999"));
        assert_eq!(m.email.as_deref(), Some("marta@example.com"));
    }
}
