//! The body of a "Send to Email" mail: a header (client, channel, conversation, who exported
//! it and when) and the messages, as plain text and as HTML. Everything in it comes from
//! clients and operators, so the HTML escapes every piece of text; attachments are listed by
//! name and size, never attached. Times are UTC: the server does not know the reader's zone.

use std::fmt::Write;

use switchboard_protocol::{Id, Millis};

/// Who wrote one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Author {
    Client(String),
    Operator(String),
    /// An internal note by this operator (only when the operator selected it).
    Note(String),
    System,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub at: Millis,
    pub author: Author,
    pub text: String,
    /// File name and size in bytes.
    pub attachment: Option<(String, i64)>,
}

#[derive(Debug, Clone)]
pub struct Transcript {
    pub conversation_id: Id,
    pub client: String,
    /// E.g. "Telegram (support bot)".
    pub channel: String,
    /// E.g. "Anna <anna@acme.test>".
    pub exported_by: String,
    pub exported_at: Millis,
    /// The operator picked the messages (else: the whole conversation without notes).
    pub selected: bool,
    pub entries: Vec<Entry>,
}

/// `2026-11-23 18:40 UTC`.
pub fn utc(ms: Millis) -> String {
    let (year, month, day, secs) = civil(ms);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        secs / 3600,
        secs % 3600 / 60
    )
}

/// `2026-11-23T18:40:05Z` (ISO 8601, to the second: the action log's export).
pub fn iso(ms: Millis) -> String {
    let (year, month, day, secs) = civil(ms);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Year, month, day and seconds into the day (UTC) of a time in ms.
fn civil(ms: Millis) -> (i64, i64, i64, i64) {
    let secs = ms.div_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day, rem)
}

/// `512 B`, `12.3 KB`, `4.0 MB`.
pub fn size(bytes: i64) -> String {
    const KB: f64 = 1024.0;
    let b = bytes.max(0) as f64;
    if b < KB {
        format!("{bytes} B")
    } else if b < KB * KB {
        format!("{:.1} KB", b / KB)
    } else {
        format!("{:.1} MB", b / (KB * KB))
    }
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Author {
    fn label(&self) -> String {
        match self {
            Self::Client(name) => format!("{name} (client)"),
            Self::Operator(name) => format!("{name} (operator)"),
            Self::Note(name) => format!("Internal note by {name}"),
            Self::System => "System".to_string(),
        }
    }
}

impl Transcript {
    fn title(&self) -> String {
        format!(
            "Conversation with {} (#{})",
            self.client, self.conversation_id
        )
    }

    fn scope(&self) -> String {
        let n = self.entries.len();
        let noun = if n == 1 { "message" } else { "messages" };
        if self.selected {
            format!("{n} selected {noun}")
        } else {
            format!("whole conversation, {n} {noun} (internal notes excluded)")
        }
    }

    fn header_lines(&self) -> [(&'static str, String); 4] {
        [
            ("Channel", self.channel.clone()),
            (
                "Exported by",
                format!("{} on {}", self.exported_by, utc(self.exported_at)),
            ),
            ("Conversation", format!("#{}", self.conversation_id)),
            ("Contents", self.scope()),
        ]
    }

    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.title());
        for (k, v) in self.header_lines() {
            let _ = writeln!(out, "{k}: {v}");
        }
        for e in &self.entries {
            let _ = write!(out, "\n[{}] {}\n{}\n", utc(e.at), e.author.label(), e.text);
            if let Some((name, bytes)) = &e.attachment {
                let _ = writeln!(out, "Attachment: {name} ({})", size(*bytes));
            }
        }
        out
    }

    pub fn html(&self) -> String {
        let mut out = String::from(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
             <body style=\"font-family:sans-serif;font-size:14px;color:#1f2937\">",
        );
        let _ = write!(out, "<h2>{}</h2><table>", escape_html(&self.title()));
        for (k, v) in self.header_lines() {
            let _ = write!(
                out,
                "<tr><td style=\"color:#6b7280;padding-right:12px\">{k}</td><td>{}</td></tr>",
                escape_html(&v)
            );
        }
        out.push_str("</table><hr>");
        for e in &self.entries {
            let note = matches!(e.author, Author::Note(_));
            let style = if note {
                "background:#fef3c7;border-left:3px solid #f59e0b;"
            } else {
                ""
            };
            let _ = write!(
                out,
                "<div style=\"{style}margin:12px 0;padding:4px 8px\">\
                 <div style=\"color:#6b7280;font-size:12px\">{} · <b>{}</b></div>\
                 <div style=\"white-space:pre-wrap\">{}</div>",
                escape_html(&utc(e.at)),
                escape_html(&e.author.label()),
                escape_html(&e.text)
            );
            if let Some((name, bytes)) = &e.attachment {
                let _ = write!(
                    out,
                    "<div style=\"color:#6b7280\">Attachment: {} ({})</div>",
                    escape_html(name),
                    size(*bytes)
                );
            }
            out.push_str("</div>");
        }
        out.push_str("</body></html>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_formats_civil_time() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC");
        // 2024-02-29 13:05:59 UTC
        assert_eq!(utc(1_709_211_959_000), "2024-02-29 13:05 UTC");
    }

    #[test]
    fn sizes_are_human() {
        assert_eq!(size(512), "512 B");
        assert_eq!(size(12_595), "12.3 KB");
        assert_eq!(size(4 * 1024 * 1024), "4.0 MB");
    }

    #[test]
    fn html_escapes_all_text_and_labels_notes() {
        let t = Transcript {
            conversation_id: 7,
            client: "<b>Eve</b>".into(),
            channel: "Telegram (bot)".into(),
            exported_by: "Anna <anna@acme.test>".into(),
            exported_at: 0,
            selected: true,
            entries: vec![
                Entry {
                    at: 0,
                    author: Author::Client("<b>Eve</b>".into()),
                    text: "<script>alert(1)</script> & 'x'".into(),
                    attachment: Some(("a<b>.pdf".into(), 2048)),
                },
                Entry {
                    at: 0,
                    author: Author::Note("Anna".into()),
                    text: "internal".into(),
                    attachment: None,
                },
            ],
        };
        let html = t.html();
        assert!(!html.contains("<script>") && !html.contains("<b>Eve"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;x&#39;"));
        assert!(html.contains("a&lt;b&gt;.pdf (2.0 KB)"));
        assert!(html.contains("Internal note by Anna"));
        let text = t.text();
        assert!(text.contains("<script>alert(1)</script>"));
        assert!(text.contains("2 selected messages"));
        assert!(text.contains("Attachment: a<b>.pdf (2.0 KB)"));
    }
}
