//! The tabs of the Conversations screen and who sees which conversation: pure functions over
//! plain data, the one statement of the seed's visibility rules (DESIGN.md "Visibility").
//!
//! The server filters every path with [`visible`] (its list SQL is tested against it), and the
//! app splits its cache into tabs with SQL tested against [`in_tab`]; the UI shows the tabs
//! [`Viewer::tabs`] gives and never decides them again.

use serde::{Deserialize, Serialize};

use crate::{Conversation, ConversationStatus, Id, Me};

/// The tabs of the Conversations screen. All and Blacklist exist only for roles that allow them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tab {
    Unassigned,
    Inbox,
    Closed,
    All,
    Blacklist,
}

impl Tab {
    /// Every tab, in the order the tab bar shows them.
    pub const ALL: [Tab; 5] = [
        Tab::Unassigned,
        Tab::Inbox,
        Tab::Closed,
        Tab::All,
        Tab::Blacklist,
    ];
}

/// The part of a conversation that decides who sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub status: ConversationStatus,
    pub operator_id: Option<Id>,
    pub group_id: Option<Id>,
    /// Who closed it last: only they list it in Closed.
    pub closed_by: Option<Id>,
    pub blacklisted: bool,
}

impl Scope {
    /// A conversation's scope that nobody closed and whose client is not blacklisted.
    pub fn new(status: ConversationStatus, operator_id: Option<Id>, group_id: Option<Id>) -> Self {
        Self {
            status,
            operator_id,
            group_id,
            closed_by: None,
            blacklisted: false,
        }
    }

    pub fn of(c: &Conversation) -> Self {
        Self {
            status: c.status,
            operator_id: c.operator_id,
            group_id: c.group_id,
            closed_by: c.closed_by,
            blacklisted: c.client.blacklisted,
        }
    }
}

/// Whose view applies to a request, a stream or the app's lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub operator_id: Id,
    /// Super-admins and API-token integrations see every conversation of the company.
    pub sees_everything: bool,
    /// Empty: in no group, which means every group's Unassigned.
    pub group_ids: Vec<Id>,
    /// `conversations_management` or `show_all_tab`: the All and Blacklist tabs.
    pub sees_all_tabs: bool,
    /// What of clients is removed before it reaches this viewer (Hide personal data).
    pub hidden: crate::HiddenClientData,
}

impl Viewer {
    /// An operator's view who is not a super-admin.
    pub fn operator(operator_id: Id, group_ids: &[Id], sees_all_tabs: bool) -> Self {
        Self {
            operator_id,
            sees_everything: false,
            group_ids: group_ids.to_vec(),
            sees_all_tabs,
            hidden: crate::HiddenClientData::NONE,
        }
    }

    /// The signed-in operator's view.
    pub fn of(me: &Me) -> Self {
        Self {
            operator_id: me.operator.id,
            sees_everything: me.operator.super_admin,
            group_ids: me.operator.group_ids.clone(),
            sees_all_tabs: me.permissions.sees_all_tabs(),
            hidden: me.hidden_client_data,
        }
    }

    /// The tabs this viewer has, in tab-bar order (seed: "The "Blacklist" and "All tabs" become
    /// available if the operator is assigned a role "Conversations management" or "Show tab
    /// "All" in conversations"").
    pub fn tabs(&self) -> Vec<Tab> {
        let extra = self.sees_everything || self.sees_all_tabs;
        Tab::ALL
            .into_iter()
            .filter(|t| extra || !matches!(t, Tab::All | Tab::Blacklist))
            .collect()
    }

    fn in_my_groups(&self, group_id: Option<Id>) -> bool {
        self.group_ids.is_empty() || group_id.is_some_and(|g| self.group_ids.contains(&g))
    }
}

/// Whether the conversation is listed in `tab` for this viewer.
pub fn in_tab(v: &Viewer, s: &Scope, tab: Tab) -> bool {
    match tab {
        Tab::Unassigned => {
            s.status == ConversationStatus::Unassigned
                && !s.blacklisted
                && (v.sees_everything || v.in_my_groups(s.group_id))
        }
        Tab::Inbox => {
            s.status == ConversationStatus::Inbox
                && s.operator_id == Some(v.operator_id)
                && !s.blacklisted
        }
        Tab::Closed => {
            s.status == ConversationStatus::Closed
                && s.closed_by == Some(v.operator_id)
                && !s.blacklisted
        }
        Tab::All | Tab::Blacklist => {
            let tab_matches = (tab == Tab::Blacklist) == s.blacklisted;
            tab_matches && (v.sees_everything || (v.sees_all_tabs && v.in_my_groups(s.group_id)))
        }
    }
}

/// A conversation is visible iff it is in any tab the viewer has.
pub fn visible(v: &Viewer, s: &Scope) -> bool {
    v.sees_everything || Tab::ALL.into_iter().any(|t| in_tab(v, s, t))
}

/// The tab that shows a conversation opened from outside the list (a notification, the
/// switcher): where the work on it happens first, else the All or Blacklist tab; `None` when
/// no tab of this viewer lists it.
pub fn home_tab(v: &Viewer, s: &Scope) -> Option<Tab> {
    [
        Tab::Inbox,
        Tab::Unassigned,
        Tab::Closed,
        Tab::Blacklist,
        Tab::All,
    ]
    .into_iter()
    .find(|&t| in_tab(v, s, t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationStatus::*;

    fn scope(status: ConversationStatus, op: Option<Id>, group: Option<Id>) -> Scope {
        Scope::new(status, op, group)
    }

    fn viewer(id: Id, groups: &[Id], all_tabs: bool) -> Viewer {
        Viewer::operator(id, groups, all_tabs)
    }

    #[test]
    fn unassigned_is_limited_to_own_groups() {
        let v = viewer(1, &[10], false);
        assert!(visible(&v, &scope(Unassigned, None, Some(10))));
        assert!(!visible(&v, &scope(Unassigned, None, Some(20))));
        assert!(!visible(&v, &scope(Unassigned, None, None)));
    }

    #[test]
    fn operator_in_no_group_sees_every_unassigned() {
        let v = viewer(1, &[], false);
        assert!(visible(&v, &scope(Unassigned, None, Some(10))));
        assert!(visible(&v, &scope(Unassigned, None, Some(20))));
        assert!(visible(&v, &scope(Unassigned, None, None)));
        // …but not other people's inboxes.
        assert!(!visible(&v, &scope(Inbox, Some(2), Some(10))));
    }

    #[test]
    fn inbox_only_for_its_operator_whatever_the_group() {
        let v = viewer(1, &[10], false);
        assert!(visible(&v, &scope(Inbox, Some(1), Some(20))));
        assert!(!visible(&v, &scope(Inbox, Some(2), Some(10))));
    }

    #[test]
    fn closed_only_for_last_closer() {
        let v = viewer(1, &[10], false);
        let mut s = scope(Closed, Some(1), Some(10));
        s.closed_by = Some(2);
        assert!(!visible(&v, &s));
        s.closed_by = Some(1);
        assert!(visible(&v, &s));
        assert!(in_tab(&v, &s, Tab::Closed));
    }

    #[test]
    fn blacklisted_only_in_blacklist_tab() {
        let mut s = scope(Unassigned, None, Some(10));
        s.blacklisted = true;
        assert!(!visible(&viewer(1, &[10], false), &s));
        assert!(!visible(&viewer(1, &[], false), &s));
        let sup = viewer(1, &[10], true);
        assert!(visible(&sup, &s));
        assert!(in_tab(&sup, &s, Tab::Blacklist));
        assert!(!in_tab(&sup, &s, Tab::All));
        let mut inbox = scope(Inbox, Some(1), Some(10));
        inbox.blacklisted = true;
        assert!(!visible(&viewer(1, &[10], false), &inbox));
    }

    #[test]
    fn all_tab_limited_to_groups() {
        let sup = viewer(1, &[10], true);
        assert!(visible(&sup, &scope(Inbox, Some(2), Some(10))));
        assert!(!visible(&sup, &scope(Inbox, Some(2), Some(20))));
        let ungrouped = viewer(1, &[], true);
        assert!(visible(&ungrouped, &scope(Closed, Some(2), Some(20))));
    }

    #[test]
    fn super_admin_sees_everything() {
        let mut v = viewer(1, &[10], false);
        v.sees_everything = true;
        let mut s = scope(Inbox, Some(2), Some(20));
        s.blacklisted = true;
        assert!(visible(&v, &s));
    }

    #[test]
    fn closed_never_lists_a_blacklisted_client() {
        // The one rule for Closed, in the server and the app alike: a blacklisted client is
        // only in Blacklist.
        let v = viewer(1, &[], true);
        let mut s = scope(Closed, None, None);
        s.closed_by = Some(1);
        s.blacklisted = true;
        assert!(!in_tab(&v, &s, Tab::Closed));
        assert_eq!(home_tab(&v, &s), Some(Tab::Blacklist));
    }

    #[test]
    fn tabs_follow_the_role() {
        assert_eq!(
            viewer(1, &[], false).tabs(),
            [Tab::Unassigned, Tab::Inbox, Tab::Closed]
        );
        assert_eq!(viewer(1, &[], true).tabs(), Tab::ALL.to_vec());
    }

    #[test]
    fn home_tab_prefers_where_the_work_is() {
        let v = viewer(1, &[], true);
        assert_eq!(home_tab(&v, &scope(Inbox, Some(1), None)), Some(Tab::Inbox));
        assert_eq!(
            home_tab(&v, &scope(Unassigned, None, None)),
            Some(Tab::Unassigned)
        );
        let mut closed = scope(Closed, None, None);
        closed.closed_by = Some(1);
        assert_eq!(home_tab(&v, &closed), Some(Tab::Closed));
        closed.closed_by = Some(2);
        assert_eq!(home_tab(&v, &closed), Some(Tab::All));
        assert_eq!(home_tab(&viewer(1, &[], false), &closed), None);
    }
}
