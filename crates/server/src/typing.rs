//! Typing indicators: ephemeral signals between a LiveChat visitor and the operators of their
//! conversation. Never stored, never change records: a broadcast in memory ([`crate::hub::Hub`]
//! carries them) that only open sockets hear; one that falls behind skips signals (the next
//! one follows within seconds). Who on the desk may hear a client typing is the change
//! records' rule ([`Audience::reaches`]).

use switchboard_protocol::{ClientTyping, Conversation, Id};

use crate::policy::Scope;
use crate::storage::changes::Audience;

/// Signals a slow socket may fall behind before it skips some.
pub const CAPACITY: usize = 256;

/// Who is typing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Typist {
    /// The visitor, in the widget: heard by the operators who see the conversation.
    Client { name: String },
    /// An operator answering: heard by the visitor's widget sockets.
    Operator,
}

/// One typing signal in a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct TypingSignal {
    pub company_id: Id,
    pub conversation_id: Id,
    /// Who on the desk may hear it (the conversation's visibility now).
    pub audience: Audience,
    pub typist: Typist,
    pub typing: bool,
}

impl TypingSignal {
    /// A signal in `conv`, heard on the desk by whoever sees it.
    pub fn new(company_id: Id, conv: &Conversation, typist: Typist, typing: bool) -> Self {
        Self {
            company_id,
            conversation_id: conv.id,
            audience: Audience::Conversation {
                conversation_id: conv.id,
                before: None,
                after: Scope::of(conv),
            },
            typist,
            typing,
        }
    }

    /// The `typing` frame of the events socket, for a viewer the audience reaches (a client's
    /// typing only: the desk does not hear operators).
    pub fn for_desk(&self, v: &crate::policy::Viewer) -> Option<ClientTyping> {
        match &self.typist {
            Typist::Client { name } if self.audience.reaches(v) => Some(ClientTyping {
                conversation_id: self.conversation_id,
                name: name.clone(),
                typing: self.typing,
            }),
            _ => None,
        }
    }
}
