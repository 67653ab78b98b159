//! `switchboard-core`: everything the desktop app does that is not window chrome. It signs in,
//! keeps the local SQLite cache in step with the server (snapshot, `/sync`, live events), queues
//! sends in a persisted outbox and answers the UI's queries from the cache. It never imports
//! Tauri; the shell in `src-tauri/` adapts it to IPC.

pub mod account;
pub mod api;
pub mod cache;
pub mod error;
mod events;
mod message_tags;
pub mod notify_policy;
pub mod outbox;
mod shared;
pub mod sync;
pub mod time;
pub mod view;

pub use error::{CoreError, ErrorKind};
pub use view::*;
pub mod desk;

pub use account::RememberedAccount;
pub use api::ApiClient;
pub use desk::{
    login, logout, whoami, AssignMenu, Choice, Desk, DeskConfig, FilterOptions, PinDisplay,
    FIRST_PAGE,
};
pub use events::DeskEvents;
