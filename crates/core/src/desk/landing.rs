//! The tab a start lands on (issue 9 "First landing"): the one the operator used last on this
//! machine for this account, kept in the account's cache (`meta`), so the shell can read its
//! first rows while the window is still opening (budget 6, docs/BENCHMARKS.md) instead of the
//! page asking for them after it learnt who is signed in.

use switchboard_protocol::Tab;

use super::Desk;
use crate::cache::{list, meta};
use crate::error::Result;
use crate::view::{FirstScreen, ListQuery};

/// How many rows a list shown afresh (a start, another tab) reads first: more than a tall
/// window shows; the rest is read once they are painted (a tab of 10,000 conversations takes a
/// third of a second to read and hand over whole).
pub const FIRST_PAGE: u32 = 50;

const LAST_TAB: &str = "last_tab";

impl Desk {
    /// Remembers the tab the operator chose, for the next start.
    pub async fn remember_tab(&self, tab: Tab) -> Result<()> {
        self.shared
            .write(move |c| {
                // The tab's JSON name (a unit variant always has one).
                let name = serde_json::to_string(&tab).unwrap_or_default();
                meta::set_text(c, LAST_TAB, &name)
            })
            .await
    }

    /// The tab the operator used last, when they still have it, with its first rows and the
    /// tab counters; `None` when nothing is remembered (the desk then lands where work waits).
    pub async fn first_screen(&self) -> Result<Option<FirstScreen>> {
        let viewer = self.viewer();
        self.shared
            .read(move |c| {
                let remembered = meta::get_text(c, LAST_TAB)?;
                // Stored as the tab's JSON name; anything else (an older or damaged value) is
                // as good as nothing remembered.
                let tab = remembered.and_then(|name| serde_json::from_str::<Tab>(&name).ok());
                let Some(tab) = tab else {
                    return Ok(None);
                };
                if !viewer.tabs().contains(&tab) {
                    return Ok(None);
                }
                let query = ListQuery {
                    tab: Some(tab),
                    ..ListQuery::default()
                };
                let page = list::page(c, &viewer, &query, Some(FIRST_PAGE))?;
                let counts = list::counts(c, &viewer)?;
                Ok(Some(FirstScreen { tab, page, counts }))
            })
            .await
    }
}
