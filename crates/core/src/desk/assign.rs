//! Assignment, client pinning, the blacklist, the list filters' choices and outgoing WhatsApp.
//!
//! Decisions:
//! - "Assign to" / "Assign to group" are conversation movements and go through the outbox
//!   (they survive a restart and wait for the network), like Start or Close.
//! - Pin, detach, blacklist, unlock and "Outgoing message" are direct calls: each depends on
//!   a state only the server knows (someone else may have pinned the client meanwhile, the
//!   phone number may be new), so replaying them later could do something the operator did
//!   not mean. Offline they fail at once with a plain "needs a connection" error, and the
//!   cache is updated by the server's change records (the event stream is live).
//! - The menus only choose what to show; the server enforces every rule (see the server's
//!   `policy.rs`).

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use switchboard_protocol::{
    Conversation, ConversationStatus, Id, Operator, OutgoingWhatsappRequest,
};

use super::{not_found, Desk};
use crate::cache::conversations;
use crate::error::{CoreError, Result};

/// A person or group a menu offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Choice {
    pub id: Id,
    pub name: String,
    /// Groups only: the chip colour.
    pub color: Option<String>,
}

/// How the client's pin shows for this operator (seed "Client assignment to an operator").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PinDisplay {
    /// Not pinned, and the conversation is assigned to `name` (me, or anyone for a
    /// super-admin): "Fix ([name])" pins the client to them.
    Fix { name: String },
    /// Not pinned, and "Fix" is not offered: the conversation is not assigned to me (nor, for a
    /// super-admin, to anyone).
    Unpinned,
    /// Pinned to me: "Detach".
    Mine,
    /// Pinned to someone else, for an operator: "Pinned ([name])", not clickable.
    Other { name: String },
    /// Pinned to someone else, for a super-admin: "Detach (assigned to [name])".
    OtherDetachable { name: String },
}

/// The open conversation's assignment, pin and blacklist menus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct AssignMenu {
    pub conversation_id: Id,
    pub client_id: Id,
    /// "Assign to": operators sharing one of my groups, or everyone when I manage
    /// conversations, am a super-admin or am in no group. Deactivated operators never.
    pub operators: Vec<Choice>,
    /// "Assign to group".
    pub groups: Vec<Choice>,
    pub pin: PinDisplay,
    /// "Send to the black list" / "Unlock conversation" are offered.
    pub can_blacklist: bool,
    pub blacklisted: bool,
    /// "Outgoing message" is offered (paid `outgoing_whatsapp` permission).
    pub can_outgoing: bool,
}

/// Choices of the filter bar above the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FilterOptions {
    pub groups: Vec<Choice>,
    /// Limited to operators of my groups when I am in groups (seed: Filters).
    pub operators: Vec<Choice>,
}

fn cached_operators(conn: &Connection) -> Result<Vec<Operator>> {
    let mut stmt = conn.prepare_cached("SELECT data FROM operators ORDER BY name, id")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for data in rows {
        let op: Operator =
            serde_json::from_str(&data?).map_err(|e| CoreError::Protocol(e.to_string()))?;
        out.push(op);
    }
    Ok(out)
}

fn cached_groups(conn: &Connection) -> Result<Vec<Choice>> {
    let mut stmt = conn.prepare_cached("SELECT id, name, color FROM groups ORDER BY name, id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Choice {
            id: r.get(0)?,
            name: r.get(1)?,
            color: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn choice(o: &Operator) -> Choice {
    Choice {
        id: o.id,
        name: o.name.clone(),
        color: None,
    }
}

/// Active operators that share one of `mine` (everyone when `everyone`).
fn operators_for(conn: &Connection, mine: &[Id], everyone: bool) -> Result<Vec<Choice>> {
    Ok(cached_operators(conn)?
        .iter()
        .filter(|o| o.active)
        .filter(|o| everyone || mine.is_empty() || o.group_ids.iter().any(|g| mine.contains(g)))
        .map(choice)
        .collect())
}

/// Whom "Fix (name)" pins the client of `conv` to, if it is offered to `me`. Seed: "To assign
/// a client to an operator, it is necessary to assign a conversation to the operator, click on
/// the icon and select "Fix (name)"": the conversation must be in an operator's inbox, and
/// that operator is me, or I am a super-admin (who may pin to anyone).
pub fn fix_target(me: Id, super_admin: bool, conv: &Conversation) -> Option<Id> {
    match (conv.status, conv.operator_id) {
        (ConversationStatus::Inbox, Some(op)) if op == me || super_admin => Some(op),
        _ => None,
    }
}

/// What the pin control shows to `me` (is `super_admin`) for a client pinned to `pinned`;
/// `fix` is the [`fix_target`] with their name.
pub fn pin_display(
    me: Id,
    super_admin: bool,
    pinned: Option<(Id, String)>,
    fix: Option<(Id, String)>,
) -> PinDisplay {
    match pinned {
        None => match fix {
            Some((_, name)) => PinDisplay::Fix { name },
            None => PinDisplay::Unpinned,
        },
        Some((id, _)) if id == me => PinDisplay::Mine,
        Some((_, name)) if super_admin => PinDisplay::OtherDetachable { name },
        Some((_, name)) => PinDisplay::Other { name },
    }
}

fn needs_connection(e: CoreError, what: &str) -> CoreError {
    match e {
        CoreError::Offline { url, .. } => CoreError::Offline {
            url,
            detail: format!("{what} needs a connection to the server and was not done"),
        },
        other => other,
    }
}

impl Desk {
    /// The menus of the open conversation, from the cache.
    pub async fn assign_menu(&self, conversation_id: Id) -> Result<AssignMenu> {
        let me = self.shared.me();
        self.shared
            .read(move |conn| {
                let conv = conversations::get(conn, conversation_id)?
                    .ok_or_else(|| not_found("This conversation is not in the local cache."))?;
                let everyone = me.operator.super_admin || me.permissions.conversations_management;
                let named = |id: Option<Id>| -> Result<Option<(Id, String)>> {
                    let Some(id) = id else { return Ok(None) };
                    let name = crate::cache::directory::operator_name(conn, id)?
                        .unwrap_or_else(|| format!("operator {id}"));
                    Ok(Some((id, name)))
                };
                let pinned = named(conv.client.pinned_operator_id)?;
                let fix = named(fix_target(me.operator.id, me.operator.super_admin, &conv))?;
                Ok(AssignMenu {
                    conversation_id,
                    client_id: conv.client.id,
                    operators: operators_for(conn, &me.operator.group_ids, everyone)?,
                    groups: cached_groups(conn)?,
                    pin: pin_display(me.operator.id, me.operator.super_admin, pinned, fix),
                    can_blacklist: me.operator.super_admin || me.permissions.sees_all_tabs(),
                    blacklisted: conv.client.blacklisted,
                    can_outgoing: me.operator.super_admin || me.permissions.outgoing_whatsapp,
                })
            })
            .await
    }

    /// Groups and operators for the filter bar.
    pub async fn filter_options(&self) -> Result<FilterOptions> {
        let me = self.shared.me();
        self.shared
            .read(move |conn| {
                Ok(FilterOptions {
                    groups: cached_groups(conn)?,
                    operators: operators_for(
                        conn,
                        &me.operator.group_ids,
                        me.operator.super_admin,
                    )?,
                })
            })
            .await
    }

    async fn cached(&self, conversation_id: Id) -> Result<Conversation> {
        self.shared
            .read(move |conn| {
                conversations::get(conn, conversation_id)?
                    .ok_or_else(|| not_found("This conversation is not in the local cache."))
            })
            .await
    }

    async fn client_of(&self, conversation_id: Id) -> Result<Id> {
        Ok(self.cached(conversation_id).await?.client.id)
    }

    /// "Fix ([name])" (`pin`: to the operator the conversation is assigned to, see
    /// [`fix_target`]) or "Detach" of the conversation's client.
    pub async fn pin_client(&self, conversation_id: Id, pin: bool) -> Result<()> {
        let conv = self.cached(conversation_id).await?;
        let me = &self.shared.me();
        let target = if pin {
            Some(
                fix_target(me.operator.id, me.operator.super_admin, &conv).ok_or_else(|| {
                    CoreError::BadInput(
                        "Assign the conversation to the operator first: a client is pinned to the operator whose inbox holds the conversation."
                            .into(),
                    )
                })?,
            )
        } else {
            None
        };
        let client = conv.client.id;
        self.shared
            .api
            .pin_client(client, target)
            .await
            .map_err(|e| needs_connection(e, "Pinning a client"))?;
        Ok(())
    }

    /// "Send to the black list" (`on`) or "Unlock conversation".
    pub async fn blacklist_client(&self, conversation_id: Id, on: bool) -> Result<()> {
        let client = self.client_of(conversation_id).await?;
        self.shared
            .api
            .blacklist_client(client, on)
            .await
            .map_err(|e| needs_connection(e, "Changing the black list"))?;
        Ok(())
    }

    /// "Outgoing message": returns the conversation id (it arrives in My inbox by sync).
    pub async fn outgoing_whatsapp(&self, mut req: OutgoingWhatsappRequest) -> Result<Id> {
        if req.phone.trim().is_empty() || req.text.trim().is_empty() {
            return Err(CoreError::BadInput(
                "Enter the phone number and a message.".into(),
            ));
        }
        if req.client_msg_id.is_none() {
            req.client_msg_id = Some(uuid::Uuid::new_v4().to_string());
        }
        let conv = self
            .shared
            .api
            .outgoing_whatsapp(&req)
            .await
            .map_err(|e| needs_connection(e, "An outgoing message"))?;
        Ok(conv.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{directory, Cache};

    fn op(id: Id, name: &str, groups: &[Id], active: bool) -> Operator {
        Operator {
            id,
            name: name.into(),
            email: format!("{name}@x.test"),
            super_admin: false,
            role_id: None,
            group_ids: groups.to_vec(),
            active,
        }
    }

    #[test]
    fn assign_menu_lists_operators_of_my_groups_only() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        for o in [
            op(1, "Anna", &[10], true),
            op(2, "Bob", &[10, 20], true),
            op(3, "Dave", &[20], true),
            op(4, "Olga", &[], true),
            op(5, "Gone", &[10], false),
        ] {
            directory::upsert_operator(&c, &o).expect("op");
        }
        let names = |v: Vec<Choice>| v.into_iter().map(|c| c.name).collect::<Vec<_>>();
        assert_eq!(
            names(operators_for(&c, &[10], false).expect("ops")),
            ["Anna", "Bob"]
        );
        assert_eq!(
            names(operators_for(&c, &[10], true).expect("ops")),
            ["Anna", "Bob", "Dave", "Olga"]
        );
        assert_eq!(
            names(operators_for(&c, &[], false).expect("ops")),
            ["Anna", "Bob", "Dave", "Olga"]
        );
    }

    #[test]
    fn the_three_pin_displays() {
        let bob = || Some((2, "Bob".to_string()));
        assert_eq!(
            pin_display(1, false, None, Some((1, "Anna".into()))),
            PinDisplay::Fix {
                name: "Anna".into()
            }
        );
        assert_eq!(pin_display(1, false, None, None), PinDisplay::Unpinned);
        assert_eq!(
            pin_display(1, false, Some((1, "Anna".into())), None),
            PinDisplay::Mine
        );
        assert_eq!(
            pin_display(1, false, bob(), None),
            PinDisplay::Other { name: "Bob".into() }
        );
        assert_eq!(
            pin_display(9, true, bob(), None),
            PinDisplay::OtherDetachable { name: "Bob".into() }
        );
    }

    /// Seed: "To assign a client to an operator, it is necessary to assign a conversation to
    /// the operator, click on the icon and select "Fix (name)"".
    #[test]
    fn fix_is_offered_only_once_the_conversation_is_assigned_to_that_operator() {
        let conv = |status, operator_id| {
            let mut c = conversations::tests::sample(5, "Tom");
            c.status = status;
            c.operator_id = operator_id;
            c
        };
        use ConversationStatus::{Closed, Inbox, Unassigned};
        // Anna (1), an operator: only her own inbox.
        assert_eq!(fix_target(1, false, &conv(Inbox, Some(1))), Some(1));
        assert_eq!(fix_target(1, false, &conv(Inbox, Some(2))), None);
        assert_eq!(fix_target(1, false, &conv(Unassigned, None)), None);
        assert_eq!(fix_target(1, false, &conv(Closed, Some(1))), None);
        // A super-admin (9) pins to whoever's inbox holds it.
        assert_eq!(fix_target(9, true, &conv(Inbox, Some(2))), Some(2));
        assert_eq!(fix_target(9, true, &conv(Unassigned, None)), None);
        assert_eq!(fix_target(9, true, &conv(Closed, Some(2))), None);
    }
}
