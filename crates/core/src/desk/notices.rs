//! Notices raised while the desk started (before the UI could listen): the UI asks for them
//! once it is up, and gets later ones through [`DeskEvents::notice`].

use super::Desk;
use crate::cache::salvage::Salvaged;
use crate::view::Notice;

impl Desk {
    /// What the operator should be told about this desk's start, e.g. a rebuilt cache.
    pub fn notices(&self) -> Vec<Notice> {
        self.shared
            .cache
            .rebuilt()
            .map(|rebuilt| Notice::CacheRebuilt {
                message: cache_rebuilt_message(&rebuilt.outbox),
            })
            .into_iter()
            .collect()
    }
}

/// What the operator reads when the cache failed its integrity check at start: that it was
/// rebuilt, and what became of the messages and actions queued in it.
pub fn cache_rebuilt_message(outbox: &Salvaged) -> String {
    const REBUILT: &str = "The local cache was damaged and has been rebuilt";
    let plural = |n: usize| if n == 1 { "message" } else { "messages" };
    let Salvaged {
        kept,
        lost,
        incomplete,
    } = *outbox;
    let or_more = if incomplete { " or more" } else { "" };
    if kept == 0 {
        return match (lost, incomplete) {
            (0, false) => format!("{REBUILT} from the server."),
            // Not even the list of queued items was readable: say so rather than guess a number.
            (0, true) => format!("{REBUILT}; its queued messages could not be read."),
            (n, _) => format!(
                "{REBUILT}; {n}{or_more} queued {} could not be recovered.",
                plural(n)
            ),
        };
    }
    let were = if kept == 1 { "was" } else { "were" };
    let kept_part = format!("{REBUILT}; {kept} queued {} {were} kept", plural(kept));
    match (lost, incomplete) {
        (0, false) => format!("{kept_part}."),
        (0, true) => format!("{kept_part}, others may not have been recovered."),
        (n, _) => format!("{kept_part}, {n}{or_more} could not be recovered."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(kept: usize, lost: usize, incomplete: bool) -> String {
        cache_rebuilt_message(&Salvaged {
            kept,
            lost,
            incomplete,
        })
    }

    #[test]
    fn the_notice_says_what_was_kept_and_lost() {
        let r = "The local cache was damaged and has been rebuilt";
        assert_eq!(msg(0, 0, false), format!("{r} from the server."));
        assert_eq!(
            msg(3, 0, false),
            format!("{r}; 3 queued messages were kept.")
        );
        assert_eq!(msg(1, 0, false), format!("{r}; 1 queued message was kept."));
        assert_eq!(
            msg(2, 1, false),
            format!("{r}; 2 queued messages were kept, 1 could not be recovered.")
        );
        assert_eq!(
            msg(0, 3, false),
            format!("{r}; 3 queued messages could not be recovered.")
        );
        assert_eq!(
            msg(0, 0, true),
            format!("{r}; its queued messages could not be read.")
        );
        assert_eq!(
            msg(2, 0, true),
            format!("{r}; 2 queued messages were kept, others may not have been recovered.")
        );
        assert_eq!(
            msg(2, 1, true),
            format!("{r}; 2 queued messages were kept, 1 or more could not be recovered.")
        );
    }
}
