//! Typing indicators: ephemeral signals, never stored and never change records. They travel
//! only to whoever is connected now; a missed one costs nothing (the next one, or the message
//! itself, follows within seconds).

use serde::{Deserialize, Serialize};

use crate::Id;

/// `POST /api/v1/conversations/{id}/typing`: the operator is (or stopped) typing an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TypingRequest {
    /// `true` while typing (repeat it every few seconds); `false` when the box was emptied.
    pub typing: bool,
}

/// The `typing` frame of `/api/v1/events`: the client of a conversation the operator sees is
/// typing (`typing: false`: stopped, or their message was stored). Shows until a few seconds
/// after the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientTyping {
    pub conversation_id: Id,
    /// The client's display name.
    pub name: String,
    pub typing: bool,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::{ClientTyping, EventFrame};

    #[test]
    fn the_typing_frame_is_flat_json() {
        let frame = EventFrame::Typing(ClientTyping {
            conversation_id: 7,
            name: "Visitor 3f2a1c".into(),
            typing: true,
        });
        let wire = serde_json::to_value(&frame).expect("serializes");
        assert_eq!(
            wire,
            json!({"type": "typing", "conversation_id": 7, "name": "Visitor 3f2a1c", "typing": true})
        );
        assert_eq!(
            serde_json::from_value::<EventFrame>(wire).expect("reads back"),
            frame
        );
    }
}
