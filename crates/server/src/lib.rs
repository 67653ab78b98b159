//! switchboard-server: the seed Conversation API, the app's `/api/v1` (auth, sync, events,
//! messages, actions, channel ingest), storage and policies.

pub mod auth;
pub mod channels;
pub mod cli;
pub mod demo;
pub mod demo_long;
pub mod error;
pub mod files;
pub mod http;
pub mod hub;
pub mod mail;
pub mod metrics;
pub mod policy;
pub mod service;
pub mod storage;
pub mod throttle;
pub mod typing;
