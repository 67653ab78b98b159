//! Canned responses (seed: "Add answer"): a title (topic) and a text the operator inserts from
//! the composer with "/" or "\". A super-admin's are global, an operator's are private.

use serde::{Deserialize, Serialize};

use crate::{Id, Millis};

/// One canned response, as the server stores it and the app caches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedResponse {
    pub id: Id,
    /// The topic it is grouped under in the picker ("Greeting", "Closing" …).
    pub title: String,
    pub text: String,
    /// `true`: made by a super-admin, offered to every operator of the company.
    pub global: bool,
    /// Who made it; only they (or a super-admin, for global ones) may edit or delete it.
    pub operator_id: Id,
    pub updated_at: Millis,
}

/// Body of `POST /api/v1/canned-responses` and `PUT /api/v1/canned-responses/{id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedResponseInput {
    /// 1 to 100 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
        )
    )]
    pub title: String,
    /// 1 to 5,000 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 5000,
            pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
        )
    )]
    pub text: String,
}
