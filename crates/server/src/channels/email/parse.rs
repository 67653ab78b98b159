//! What an incoming mail is: a client's message (with its text made readable, quoted history
//! folded, attachments as files), an automatic reply to skip, or a bounce (DSN, RFC 3464) of
//! one of our answers.

use mail_parser::{HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType};

use crate::channels::ReceivedFile;
use crate::service::MAX_TEXT_CHARS;

/// Width HTML is laid out at as text (long enough that sentences are not broken up much).
const HTML_TEXT_WIDTH: usize = 100;
/// Most `References` kept from one mail (they only grow along a long thread).
pub const MAX_REFERENCES: usize = 10;

/// A mail from a client.
#[derive(Debug, Clone)]
pub struct ClientMail {
    /// Without angle brackets; `None` when the mail has none.
    pub message_id: Option<String>,
    /// Lower-cased.
    pub from: String,
    pub name: String,
    pub subject: String,
    pub text: String,
    pub files: Vec<ReceivedFile>,
    /// `References` then `In-Reply-To`, oldest first, without duplicates.
    pub references: Vec<String>,
}

/// A delivery report saying one of our mails could not be delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// Message-IDs the report names (the returned mail's, then `In-Reply-To`/`References`).
    pub originals: Vec<String>,
    /// In words an operator reads.
    pub reason: String,
}

#[derive(Debug, Clone)]
pub enum Incoming {
    Client(ClientMail),
    Bounce(Bounce),
    /// Opens no conversation; the words say why (for the log).
    Skip(&'static str),
}

/// Reads one raw mail that arrived in the mailbox `own_address`.
pub fn read(raw: &[u8], own_address: &str) -> Incoming {
    let Some(msg) = MessageParser::default().parse(raw) else {
        return Incoming::Skip("not a mail");
    };
    if is_report(&msg) {
        return match bounce(&msg) {
            Some(b) => Incoming::Bounce(b),
            None => Incoming::Skip("a delivery report that is not a failure"),
        };
    }
    if let Some(why) = automatic(&msg) {
        return Incoming::Skip(why);
    }
    let Some(sender) = msg.from().and_then(|a| a.first()) else {
        return Incoming::Skip("no sender");
    };
    let Some(from) = sender.address().map(str::to_lowercase) else {
        return Incoming::Skip("no sender address");
    };
    if from == own_address.to_lowercase() {
        return Incoming::Skip("sent by the mailbox itself");
    }
    let mut references = ids(msg.references());
    for id in ids(msg.in_reply_to()) {
        if !references.contains(&id) {
            references.push(id);
        }
    }
    let subject = msg.subject().unwrap_or_default().trim().to_string();
    let (text, mut files) = (fold_quotes(&body_text(&msg)), files(&msg));
    Incoming::Client(ClientMail {
        message_id: msg.message_id().map(str::to_owned),
        name: sender.name().unwrap_or_default().trim().to_string(),
        from,
        text: fit(text, &subject, &mut files),
        subject,
        files,
        references,
    })
}

/// A text the desk stores: an empty mail without files says its subject; a text longer than a
/// message may be is cut, and comes whole as the file `mail.txt`.
fn fit(text: String, subject: &str, files: &mut Vec<ReceivedFile>) -> String {
    if text.trim().is_empty() && files.is_empty() {
        return if subject.is_empty() {
            "(an empty mail)".into()
        } else {
            format!("(an empty mail: {subject})")
        };
    }
    if text.chars().count() <= MAX_TEXT_CHARS {
        return text;
    }
    const NOTE: &str = "\n[The mail is longer: its whole text is in the file mail.txt]";
    let cut: String = text
        .chars()
        .take(MAX_TEXT_CHARS - NOTE.chars().count())
        .collect();
    files.insert(
        0,
        ReceivedFile {
            name: "mail.txt".into(),
            bytes: text.into_bytes(),
        },
    );
    cut + NOTE
}

/// `Auto-Submitted` (RFC 3834) other than `no`, and the headers common auto-responders set.
fn automatic(msg: &Message<'_>) -> Option<&'static str> {
    let header = |name: &str| msg.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if header("Auto-Submitted").is_some_and(|v| !v.starts_with("no")) {
        return Some("Auto-Submitted");
    }
    if header("X-Autoreply").is_some() || header("X-Autorespond").is_some() {
        return Some("an auto-responder's mail");
    }
    if header("Precedence").is_some_and(|v| matches!(v.as_str(), "auto_reply" | "bulk" | "junk")) {
        return Some("Precedence: auto_reply, bulk or junk");
    }
    // An empty Return-Path is what mail servers put on their own notices.
    if header("Return-Path").is_some_and(|v| v == "<>") {
        return Some("an empty Return-Path");
    }
    None
}

fn is_report(msg: &Message<'_>) -> bool {
    msg.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    })
}

fn is_type(part: &MessagePart<'_>, ctype: &str, subtype: &str) -> bool {
    part.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case(ctype)
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case(subtype))
    })
}

/// The failure a delivery report tells, if it tells one (`Action: delayed` is not one).
fn bounce(msg: &Message<'_>) -> Option<Bounce> {
    let mut fields = Vec::new();
    let mut originals = Vec::new();
    for part in &msg.parts {
        if is_type(part, "message", "delivery-status") {
            fields.extend(status_fields(&String::from_utf8_lossy(part.contents())));
        } else if let Some(inner) = part.message() {
            originals.extend(inner.message_id().map(str::to_owned));
        } else if is_type(part, "text", "rfc822-headers") {
            originals.extend(
                MessageParser::default()
                    .parse_headers(part.contents())
                    .and_then(|m| m.message_id().map(str::to_owned)),
            );
        }
    }
    originals.extend(ids(msg.in_reply_to()));
    originals.extend(ids(msg.references()));
    originals.dedup();
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if !field("Action").is_none_or(|a| a.eq_ignore_ascii_case("failed")) {
        return None;
    }
    let recipient = field("Final-Recipient")
        .or(field("Original-Recipient"))
        .map(|r| r.split_once(';').map_or(r, |(_, a)| a).trim());
    let status = field("Status");
    let diagnostic =
        field("Diagnostic-Code").map(|d| d.split_once(';').map_or(d, |(_, w)| w).trim());
    let to = recipient.map_or(String::new(), |r| format!(" to {r}"));
    let reason = match (diagnostic, status) {
        (Some(words), _) => format!("The mail{to} bounced: {words}"),
        (None, Some(status)) => format!(
            "The mail{to} bounced: {} (status {status})",
            status_words(status)
        ),
        (None, None) => format!("The mail{to} bounced"),
    };
    Some(Bounce { originals, reason })
}

/// The `name: value` fields of a delivery-status part (folded lines joined).
fn status_fields(text: &str) -> Vec<(String, String)> {
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = fields.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((k, v)) = line.split_once(':') {
            fields.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    fields
}

/// RFC 3463 status codes in words, for reports without a diagnostic.
fn status_words(status: &str) -> &'static str {
    match status.get(2..).unwrap_or_default() {
        "1.1" => "the address does not exist",
        "1.2" => "the domain does not exist",
        "2.1" => "the mailbox is disabled",
        "2.2" => "the mailbox is full",
        "3.4" => "the mail is too large",
        "7.1" => "the receiving server refused the mail",
        _ => "the mail could not be delivered",
    }
}

/// Message-IDs of an `In-Reply-To` or `References` header.
fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    let mut out: Vec<String> = match value {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    out.retain(|id| !id.is_empty());
    out
}

/// The mail's text: its plain part, else its HTML laid out as text (scripts, styles and
/// markup gone; links kept as footnotes).
fn body_text(msg: &Message<'_>) -> String {
    let part = msg
        .text_body
        .first()
        .and_then(|&i| msg.parts.get(i as usize));
    match part.map(|p| &p.body) {
        Some(PartType::Text(text)) => text.to_string(),
        Some(PartType::Html(html)) => html_to_text(html),
        _ => String::new(),
    }
}

pub fn html_to_text(html: &str) -> String {
    html2text::from_read(html.as_bytes(), HTML_TEXT_WIDTH).unwrap_or_else(|_| {
        // html2text only fails on a broken writer; never lose the words for it.
        String::from("[This mail's HTML could not be read]")
    })
}

/// The new text of a reply: the quoted history (`> ` lines, and everything from an "On …
/// wrote:" or "-----Original Message-----" line on) left out. A mail that is nothing but a
/// quote is kept whole.
pub fn fold_quotes(text: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let next = lines.get(i + 1).map_or("", |l| l.trim());
        let attribution = (t.starts_with("On ") || t.starts_with("Le ") || t.starts_with("Am "))
            && (t.ends_with("wrote:") || format!("{t} {next}").trim_end().ends_with("wrote:"));
        if attribution || t.starts_with("-----Original Message-----") {
            break;
        }
        if !t.starts_with('>') {
            kept.push(line);
        }
    }
    let new = kept.join("\n").trim().to_string();
    if new.is_empty() {
        text.trim().to_string()
    } else {
        new
    }
}

/// Every attachment (and inline file that is not the text) as a file.
fn files(msg: &Message<'_>) -> Vec<ReceivedFile> {
    msg.attachments()
        .enumerate()
        .map(|(i, part)| ReceivedFile {
            name: part
                .attachment_name()
                .map_or_else(|| default_name(part, i + 1), str::to_owned),
            bytes: part.contents().to_vec(),
        })
        .collect()
}

fn default_name(part: &MessagePart<'_>, n: usize) -> String {
    let ext = if part.is_message() {
        "eml"
    } else if part.is_text_html() {
        "html"
    } else if part.is_text() {
        "txt"
    } else {
        "bin"
    };
    format!("attachment-{n}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::{fit, fold_quotes, read, Incoming, MAX_TEXT_CHARS};

    #[test]
    fn empty_and_long_mails_fit_a_message() {
        let mut files = Vec::new();
        assert_eq!(fit(" ".into(), "Hi", &mut files), "(an empty mail: Hi)");
        let long = "x".repeat(MAX_TEXT_CHARS + 5);
        let text = fit(long.clone(), "", &mut files);
        assert_eq!(text.chars().count(), MAX_TEXT_CHARS);
        assert!(text.ends_with("in the file mail.txt]"));
        assert_eq!(files[0].bytes, long.into_bytes());
    }

    #[test]
    fn folds_quoted_history() {
        let text = "Thanks, that works!\n\nOn Mon, 3 Nov 2025 at 10:00, Desk <desk@x.org>\nwrote:\n> Try again\n> please";
        assert_eq!(fold_quotes(text), "Thanks, that works!");
        assert_eq!(fold_quotes("Yes\n> no\nmaybe"), "Yes\nmaybe");
        assert_eq!(fold_quotes("> only a quote"), "> only a quote");
    }

    #[test]
    fn html_only_mail_reads_as_text() {
        let raw = b"From: Ann <ann@c.org>\r\nTo: desk@x.org\r\nSubject: Hi\r\nMessage-ID: <1@c.org>\r\nContent-Type: text/html\r\n\r\n<html><head><style>p{color:red}</style><script>alert(1)</script></head><body><p>Hello <b>there</b></p></body></html>";
        let Incoming::Client(mail) = read(raw, "desk@x.org") else {
            panic!("not a client mail")
        };
        assert_eq!(mail.text, "Hello **there**");
        assert_eq!(
            (mail.from.as_str(), mail.name.as_str()),
            ("ann@c.org", "Ann")
        );
        assert_eq!(mail.message_id.as_deref(), Some("1@c.org"));
    }

    #[test]
    fn auto_replies_and_reports() {
        let auto = b"From: ann@c.org\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nAway";
        assert!(matches!(read(auto, "desk@x.org"), Incoming::Skip(_)));
        let dsn = b"From: MAILER-DAEMON@x.org\r\nTo: desk@x.org\r\nSubject: Undelivered\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSorry\r\n--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x.org\r\n\r\nFinal-Recipient: rfc822; bob@c.org\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 <bob@c.org>: Recipient\r\n address rejected: User unknown\r\n--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <out-1@x.org>\r\nSubject: Re: Hi\r\n--b--\r\n";
        let Incoming::Bounce(b) = read(dsn, "desk@x.org") else {
            panic!("not a bounce")
        };
        assert_eq!(b.originals, ["out-1@x.org"]);
        assert_eq!(
            b.reason,
            "The mail to bob@c.org bounced: 550 5.1.1 <bob@c.org>: Recipient address rejected: User unknown"
        );
    }
}
