//! Who may move a conversation: pure functions over plain data, unit-tested without a database.
//! Who *sees* which conversation is the protocol's [`switchboard_protocol::tabs`], shared with
//! the app (`storage::conversations::visibility_sql` mirrors [`visible`] for list queries; a
//! test there checks that both agree).

use switchboard_protocol::{ConversationStatus, Id};

pub use switchboard_protocol::tabs::{in_tab, visible, Scope, Tab, Viewer};

/// What the acting operator may do beyond visibility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorFacts {
    pub operator_id: Id,
    /// API-token integrations and super-admins: not restricted by groups or by whose inbox.
    pub full_rights: bool,
    /// `conversations_management` (or full rights): close, unassign and assign anyone's.
    pub manages: bool,
    pub group_ids: Vec<Id>,
}

/// Why an action is refused; the service turns it into an HTTP error with names filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    /// 409: someone else has the conversation in their inbox.
    TakenBy(Id),
    /// 422: the conversation is not in a state that allows this.
    InvalidState(&'static str),
    /// 403: the state allows it, this actor may not.
    Forbidden(&'static str),
}

/// Outcome of an allowed action: whether the conversation changes at all.
pub type Allowed = Result<bool, Denied>;

/// "Start conversation": Unassigned or Closed → the actor's inbox.
pub fn start(a: &ActorFacts, s: &Scope) -> Allowed {
    match (s.status, s.operator_id) {
        (ConversationStatus::Inbox, Some(op)) if op == a.operator_id => Ok(false),
        (ConversationStatus::Inbox, Some(op)) => Err(Denied::TakenBy(op)),
        _ => Ok(true),
    }
}

/// "To closed": only from an inbox, by its operator or a manager.
pub fn close(a: &ActorFacts, s: &Scope) -> Allowed {
    match s.status {
        ConversationStatus::Unassigned => Err(Denied::InvalidState(
            "Start the conversation first: only conversations in an inbox can be closed.",
        )),
        ConversationStatus::Closed => {
            Err(Denied::InvalidState("The conversation is already closed."))
        }
        ConversationStatus::Inbox => own_or_managed(a, s).map(|_| true),
    }
}

/// "To Unassigned": from an inbox (its operator or a manager) or from Closed.
pub fn unassign(a: &ActorFacts, s: &Scope) -> Allowed {
    match s.status {
        ConversationStatus::Unassigned => Err(Denied::InvalidState(
            "The conversation is already unassigned.",
        )),
        ConversationStatus::Inbox => own_or_managed(a, s).map(|_| true),
        ConversationStatus::Closed => Ok(true),
    }
}

/// An operator message needs the conversation in the sender's inbox. Notes need only
/// visibility and are not checked here.
pub fn send_message(a: &ActorFacts, s: &Scope) -> Allowed {
    match s.status {
        ConversationStatus::Inbox if s.operator_id == Some(a.operator_id) || a.full_rights => {
            Ok(true)
        }
        ConversationStatus::Inbox => Err(Denied::Forbidden(
            "The conversation is in another operator's inbox; ask them or a supervisor to assign it to you.",
        )),
        _ => Err(Denied::InvalidState(
            "Start the conversation first: messages can only be sent from an inbox.",
        )),
    }
}

/// "Assign to": an operator in groups may assign only to operators sharing one of their groups.
pub fn assign_operator(a: &ActorFacts, target_group_ids: &[Id], s: &Scope, target: Id) -> Allowed {
    let shares_group = target_group_ids.iter().any(|g| a.group_ids.contains(g));
    if !(a.manages || a.full_rights || a.group_ids.is_empty() || shares_group) {
        return Err(Denied::Forbidden(
            "You can assign conversations only to operators of your own groups.",
        ));
    }
    if s.status == ConversationStatus::Inbox && s.operator_id == Some(target) {
        return Ok(false);
    }
    not_someone_elses_inbox(a, s)?;
    Ok(true)
}

/// Assign to a group: back to Unassigned of that group.
pub fn assign_group(a: &ActorFacts, s: &Scope, group_id: Id) -> Allowed {
    if s.status == ConversationStatus::Unassigned && s.group_id == Some(group_id) {
        return Ok(false);
    }
    not_someone_elses_inbox(a, s)?;
    Ok(true)
}

/// Taking a conversation out of another operator's inbox is for that operator or a manager
/// (an operator with the All tab sees it, but seeing is not managing).
fn not_someone_elses_inbox(a: &ActorFacts, s: &Scope) -> Result<(), Denied> {
    if s.status == ConversationStatus::Inbox {
        own_or_managed(a, s)
    } else {
        Ok(())
    }
}

/// Pinning and detaching a client (seed "Client assignment to an operator"): an operator pins
/// only to themself and detaches only their own pins; a super-admin does both for anyone.
/// `current` is the operator the client is pinned to now, `target` the new one (`None`:
/// detach).
pub fn pin(a: &ActorFacts, current: Option<Id>, target: Option<Id>) -> Allowed {
    if current == target {
        return Ok(false);
    }
    if a.full_rights {
        return Ok(true);
    }
    match (current, target) {
        (_, Some(t)) if t != a.operator_id => Err(Denied::Forbidden(
            "An operator can pin a client only to themself.",
        )),
        (Some(c), Some(_)) => Err(Denied::TakenBy(c)),
        (Some(c), None) if c != a.operator_id => Err(Denied::Forbidden(
            "Only the operator the client is pinned to, or a super-admin, can detach it.",
        )),
        _ => Ok(true),
    }
}

/// "Send to the black list" and "Unlock conversation": the Blacklist tab's people (roles with
/// conversations management or the All tab) and super-admins.
pub fn blacklist(v: &Viewer) -> Result<(), Denied> {
    if v.sees_everything || v.sees_all_tabs {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "Only a super-admin or an operator with the Blacklist tab (conversations management or \"Show tab All\") can blacklist or unlock a client.",
        ))
    }
}

fn own_or_managed(a: &ActorFacts, s: &Scope) -> Result<(), Denied> {
    if s.operator_id == Some(a.operator_id) || a.manages || a.full_rights {
        Ok(())
    } else {
        Err(Denied::Forbidden(
            "The conversation is in another operator's inbox; only they or a supervisor can move it.",
        ))
    }
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

    fn actor(id: Id, groups: &[Id]) -> ActorFacts {
        ActorFacts {
            operator_id: id,
            full_rights: false,
            manages: false,
            group_ids: groups.to_vec(),
        }
    }

    #[test]
    fn start_rules() {
        let a = actor(1, &[10]);
        assert_eq!(start(&a, &scope(Unassigned, None, Some(10))), Ok(true));
        assert_eq!(start(&a, &scope(Closed, Some(2), Some(10))), Ok(true));
        assert_eq!(start(&a, &scope(Inbox, Some(1), Some(10))), Ok(false));
        assert_eq!(
            start(&a, &scope(Inbox, Some(2), Some(10))),
            Err(Denied::TakenBy(2))
        );
    }

    #[test]
    fn close_and_unassign_rules() {
        let a = actor(1, &[10]);
        assert!(matches!(
            close(&a, &scope(Unassigned, None, None)),
            Err(Denied::InvalidState(_))
        ));
        assert!(matches!(
            close(&a, &scope(Closed, Some(1), None)),
            Err(Denied::InvalidState(_))
        ));
        assert_eq!(close(&a, &scope(Inbox, Some(1), None)), Ok(true));
        assert!(matches!(
            close(&a, &scope(Inbox, Some(2), None)),
            Err(Denied::Forbidden(_))
        ));
        let mut m = actor(1, &[10]);
        m.manages = true;
        assert_eq!(close(&m, &scope(Inbox, Some(2), None)), Ok(true));
        assert!(matches!(
            unassign(&a, &scope(Unassigned, None, None)),
            Err(Denied::InvalidState(_))
        ));
        assert_eq!(unassign(&a, &scope(Closed, Some(2), None)), Ok(true));
    }

    #[test]
    fn send_rules() {
        let a = actor(1, &[10]);
        assert_eq!(send_message(&a, &scope(Inbox, Some(1), None)), Ok(true));
        assert!(matches!(
            send_message(&a, &scope(Unassigned, None, None)),
            Err(Denied::InvalidState(_))
        ));
        assert!(matches!(
            send_message(&a, &scope(Inbox, Some(2), None)),
            Err(Denied::Forbidden(_))
        ));
        let mut integration = actor(1, &[]);
        integration.full_rights = true;
        assert_eq!(
            send_message(&integration, &scope(Inbox, Some(2), None)),
            Ok(true)
        );
    }

    #[test]
    fn assign_operator_rules() {
        let s = scope(Unassigned, None, Some(10));
        let a = actor(1, &[10]);
        assert_eq!(assign_operator(&a, &[10, 20], &s, 2), Ok(true));
        assert!(matches!(
            assign_operator(&a, &[20], &s, 2),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(assign_operator(&actor(1, &[]), &[20], &s, 2), Ok(true));
        let mut m = actor(1, &[10]);
        m.manages = true;
        assert_eq!(assign_operator(&m, &[20], &s, 2), Ok(true));
        assert_eq!(
            assign_operator(&a, &[10], &scope(Inbox, Some(2), Some(10)), 2),
            Ok(false)
        );
    }

    #[test]
    fn assign_group_rules() {
        let a = actor(1, &[10]);
        assert_eq!(
            assign_group(&a, &scope(Unassigned, None, Some(10)), 10),
            Ok(false)
        );
        assert_eq!(
            assign_group(&a, &scope(Inbox, Some(1), Some(10)), 10),
            Ok(true)
        );
        assert_eq!(
            assign_group(&a, &scope(Unassigned, None, Some(10)), 20),
            Ok(true)
        );
        assert!(matches!(
            assign_group(&a, &scope(Inbox, Some(2), Some(10)), 20),
            Err(Denied::Forbidden(_))
        ));
        let mut m = actor(1, &[10]);
        m.manages = true;
        assert_eq!(
            assign_group(&m, &scope(Inbox, Some(2), Some(10)), 20),
            Ok(true)
        );
    }

    #[test]
    fn assign_out_of_someone_elses_inbox_needs_management() {
        let a = actor(1, &[10]);
        assert!(matches!(
            assign_operator(&a, &[10], &scope(Inbox, Some(2), Some(10)), 3),
            Err(Denied::Forbidden(_))
        ));
        assert_eq!(
            assign_operator(&a, &[10], &scope(Inbox, Some(1), Some(10)), 3),
            Ok(true)
        );
    }

    #[test]
    fn pin_rules() {
        let a = actor(1, &[10]);
        assert_eq!(pin(&a, None, Some(1)), Ok(true));
        assert_eq!(pin(&a, Some(1), Some(1)), Ok(false));
        assert!(matches!(pin(&a, None, Some(2)), Err(Denied::Forbidden(_))));
        assert_eq!(pin(&a, Some(2), Some(1)), Err(Denied::TakenBy(2)));
        assert!(matches!(pin(&a, Some(2), None), Err(Denied::Forbidden(_))));
        assert_eq!(pin(&a, Some(1), None), Ok(true));
        let mut sa = actor(9, &[]);
        sa.full_rights = true;
        assert_eq!(pin(&sa, Some(2), None), Ok(true));
        assert_eq!(pin(&sa, Some(2), Some(3)), Ok(true));
    }

    #[test]
    fn blacklist_needs_the_blacklist_tab() {
        assert!(blacklist(&viewer(1, &[10], false)).is_err());
        assert!(blacklist(&viewer(1, &[10], true)).is_ok());
        let mut sa = viewer(1, &[], false);
        sa.sees_everything = true;
        assert!(blacklist(&sa).is_ok());
    }
}
