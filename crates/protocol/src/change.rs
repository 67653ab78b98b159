//! Change records, typed: what a record carries is a [`Change`] with the entity's own type, so
//! the app matches on variants instead of decoding a JSON blob, and a record it cannot read is
//! an [`Change::Unknown`] it logs rather than one skipped in silence.
//!
//! The wire format is unchanged: `{"seq","entity","id","op","data"?}`, `data` holding the
//! entity's full state for an upsert and absent for a remove. An entity a newer server added,
//! or data this version cannot read, deserializes to `Unknown` instead of failing the whole
//! page, so one record can never stall sync.

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sync::{ChangeOp, Entity};
use crate::{
    CannedResponse, ChannelAccount, ClientNote, Conversation, Group, Id, Message, MessageTags,
    Operator, ReadState, Tag,
};

/// One change, as the caller may see it. `seq` is company-wide and strictly increasing; a
/// caller's stream has holes where records were not theirs to see.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRecord {
    pub seq: i64,
    /// The entity's id (the conversation id for a [`Change::ReadState`]).
    pub id: Id,
    pub change: Change,
}

/// What changed: the full state after an upsert, or which kind of row a `remove` drops.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Boxed: a conversation (with its client) is several times the size of the other states.
    Conversation(Box<Conversation>),
    Message(Message),
    /// Reaches only the operator it belongs to.
    ReadState(ReadState),
    Operator(Operator),
    Group(Group),
    ChannelAccount(ChannelAccount),
    /// Global ones reach everyone, private ones their owner.
    CannedResponse(CannedResponse),
    /// Reaches whoever sees the client's conversation.
    ClientNote(ClientNote),
    /// Everyone in the company (the "Add Tag" list).
    Tag(Tag),
    /// Reaches whoever sees the message's conversation.
    MessageTags(MessageTags),
    /// `op: remove`: the row left the caller's view (or was deleted). A removed conversation
    /// takes its messages with it.
    Removed(Entity),
    /// A record this version cannot read: an entity it does not know, or data that does not
    /// match its entity. The reader logs it and goes on.
    Unknown {
        entity: String,
        reason: String,
    },
}

impl Change {
    /// The entity this change is about; `None` for [`Change::Unknown`].
    pub fn entity(&self) -> Option<Entity> {
        Some(match self {
            Change::Conversation(_) => Entity::Conversation,
            Change::Message(_) => Entity::Message,
            Change::ReadState(_) => Entity::ReadState,
            Change::Operator(_) => Entity::Operator,
            Change::Group(_) => Entity::Group,
            Change::ChannelAccount(_) => Entity::ChannelAccount,
            Change::CannedResponse(_) => Entity::CannedResponse,
            Change::ClientNote(_) => Entity::ClientNote,
            Change::Tag(_) => Entity::Tag,
            Change::MessageTags(_) => Entity::MessageTags,
            Change::Removed(e) => *e,
            Change::Unknown { .. } => return None,
        })
    }

    /// Whether the wire record carries `data` (an upsert of a known entity).
    pub fn has_data(&self) -> bool {
        !matches!(self, Change::Removed(_) | Change::Unknown { .. })
    }

    pub fn op(&self) -> ChangeOp {
        match self {
            Change::Removed(_) => ChangeOp::Remove,
            _ => ChangeOp::Upsert,
        }
    }

    /// Reads a record's `entity`, `op` and `data` as they are on the wire (or in the server's
    /// change table).
    pub fn decode(entity: &str, op: ChangeOp, data: Option<serde_json::Value>) -> Change {
        let unknown = |reason: String| Change::Unknown {
            entity: entity.to_owned(),
            reason,
        };
        let Some(kind) = Entity::parse(entity) else {
            return unknown("an entity this version does not know".into());
        };
        let data = match (op, data) {
            (ChangeOp::Remove, _) => return Change::Removed(kind),
            (ChangeOp::Upsert, Some(data)) => data,
            (ChangeOp::Upsert, None) => return unknown("an upsert without data".into()),
        };
        fn typed<T: serde::de::DeserializeOwned>(
            data: serde_json::Value,
            wrap: fn(T) -> Change,
        ) -> Result<Change, serde_json::Error> {
            serde_json::from_value(data).map(wrap)
        }
        let decoded = match kind {
            Entity::Conversation => typed(data, |c| Change::Conversation(Box::new(c))),
            Entity::Message => typed(data, Change::Message),
            Entity::ReadState => typed(data, Change::ReadState),
            Entity::Operator => typed(data, Change::Operator),
            Entity::Group => typed(data, Change::Group),
            Entity::ChannelAccount => typed(data, Change::ChannelAccount),
            Entity::CannedResponse => typed(data, Change::CannedResponse),
            Entity::ClientNote => typed(data, Change::ClientNote),
            Entity::Tag => typed(data, Change::Tag),
            Entity::MessageTags => typed(data, Change::MessageTags),
        };
        decoded.unwrap_or_else(|e| unknown(format!("unreadable data: {e}")))
    }
}

/// The record as it travels (read side; the write side is [`ChangeRecord`]'s `Serialize`).
#[derive(Deserialize)]
struct Wire {
    seq: i64,
    entity: String,
    id: Id,
    op: ChangeOp,
    #[serde(default)]
    data: Option<serde_json::Value>,
}

/// A change serializes as its `data`: the entity's state (`null` for a remove or an unknown
/// record, which carry none). The server stores exactly this text.
impl Serialize for Change {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Change::Conversation(x) => x.serialize(s),
            Change::Message(x) => x.serialize(s),
            Change::ReadState(x) => x.serialize(s),
            Change::Operator(x) => x.serialize(s),
            Change::Group(x) => x.serialize(s),
            Change::ChannelAccount(x) => x.serialize(s),
            Change::CannedResponse(x) => x.serialize(s),
            Change::ClientNote(x) => x.serialize(s),
            Change::Tag(x) => x.serialize(s),
            Change::MessageTags(x) => x.serialize(s),
            Change::Removed(_) | Change::Unknown { .. } => s.serialize_unit(),
        }
    }
}

impl Serialize for ChangeRecord {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let entity = match &self.change {
            Change::Unknown { entity, .. } => entity.as_str(),
            known => known.entity().map_or("", Entity::as_str),
        };
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("seq", &self.seq)?;
        map.serialize_entry("entity", entity)?;
        map.serialize_entry("id", &self.id)?;
        map.serialize_entry("op", &self.change.op())?;
        // Straight from the typed value: no JSON tree in between (the server fans these out).
        if self.change.has_data() {
            map.serialize_entry("data", &self.change)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for ChangeRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let w = Wire::deserialize(d).map_err(D::Error::custom)?;
        Ok(ChangeRecord {
            seq: w.seq,
            id: w.id,
            change: Change::decode(&w.entity, w.op, w.data),
        })
    }
}

#[cfg(feature = "openapi")]
mod schema {
    //! The OpenAPI schema of the wire format (the serde impls above are hand-written).
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::RefOr;
    use utoipa::{PartialSchema, ToSchema};

    impl PartialSchema for super::ChangeRecord {
        fn schema() -> RefOr<Schema> {
            ObjectBuilder::new()
                .description(Some(
                    "One change, as the caller may see it: `data` is the entity's full state \
                     for an upsert and absent for a remove.",
                ))
                .property("seq", ObjectBuilder::new().schema_type(Type::Integer))
                .required("seq")
                .property("entity", crate::sync::Entity::schema())
                .required("entity")
                .property("id", ObjectBuilder::new().schema_type(Type::Integer))
                .required("id")
                .property("op", crate::sync::ChangeOp::schema())
                .required("op")
                .property(
                    "data",
                    ObjectBuilder::new()
                        .schema_type(Type::Object)
                        .description(Some("The matching type of `entity`.")),
                )
                .build()
                .into()
        }
    }

    impl ToSchema for super::ChangeRecord {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_wire_format_is_unchanged_both_ways() {
        let group = json!({"seq": 7, "entity": "group", "id": 3, "op": "upsert",
            "data": {"id": 3, "name": "Sales", "color": "#f00"}});
        let rec: ChangeRecord = serde_json::from_value(group.clone()).expect("read");
        assert_eq!(rec.seq, 7);
        assert!(matches!(&rec.change, Change::Group(g) if g.name == "Sales"));
        assert_eq!(serde_json::to_value(&rec).expect("write"), group);

        let removed = json!({"seq": 8, "entity": "conversation", "id": 5, "op": "remove"});
        let rec: ChangeRecord = serde_json::from_value(removed.clone()).expect("read");
        assert_eq!(rec.change, Change::Removed(Entity::Conversation));
        assert_eq!(serde_json::to_value(&rec).expect("write"), removed);
    }

    #[test]
    fn what_this_version_cannot_read_is_unknown_not_an_error() {
        let newer = json!({"seq": 9, "entity": "widget_setting", "id": 1, "op": "upsert",
            "data": {"colour": "blue"}});
        let rec: ChangeRecord = serde_json::from_value(newer).expect("a page still reads");
        assert!(
            matches!(&rec.change, Change::Unknown { entity, .. } if entity == "widget_setting")
        );
        let broken = json!({"seq": 10, "entity": "group", "id": 1, "op": "upsert",
            "data": {"id": "not a number"}});
        let rec: ChangeRecord = serde_json::from_value(broken).expect("a page still reads");
        assert!(
            matches!(&rec.change, Change::Unknown { reason, .. } if reason.contains("unreadable"))
        );
    }

    #[test]
    fn records_read_inside_event_frames() {
        let frame = json!({"type": "change", "seq": 4, "entity": "tag", "id": 2, "op": "upsert",
            "data": {"id": 2, "name": "complaint"}});
        let frame: crate::EventFrame = serde_json::from_value(frame).expect("frame");
        assert!(matches!(
            frame,
            crate::EventFrame::Change(r) if matches!(r.change, Change::Tag(_))
        ));
    }
}
