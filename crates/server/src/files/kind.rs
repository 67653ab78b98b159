//! Which files are accepted, decided by extension *and* content: images, PDF, office
//! documents, text, audio/video and zip. Each binary type must start with its own signature
//! (a renamed `.exe` is not a `.png`); text must not look binary or like an executable. The
//! stored Content-Type comes from this table, never from what the uploader claimed.

use crate::error::{ApiError, ApiResult};

/// How a type's content is recognised.
#[derive(Debug, Clone, Copy)]
enum Magic {
    /// Starts with one of these.
    Prefix(&'static [&'static [u8]]),
    /// `RIFF????<tag>` (WebP, WAV, AVI).
    Riff(&'static [u8]),
    /// `????ftyp` (MP4, MOV, M4A).
    Ftyp,
    /// MP3: an ID3 tag or an MPEG frame sync.
    Mp3,
    /// Text: no NUL byte in the head.
    Text,
}

const ZIP: &[&[u8]] = &[b"PK\x03\x04", b"PK\x05\x06"];
const OLE: &[&[u8]] = &[b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"];

/// extension → (Content-Type, signature)
const TYPES: &[(&str, &str, Magic)] = &[
    ("png", "image/png", Magic::Prefix(&[b"\x89PNG\r\n\x1a\n"])),
    ("jpg", "image/jpeg", Magic::Prefix(&[b"\xFF\xD8\xFF"])),
    ("jpeg", "image/jpeg", Magic::Prefix(&[b"\xFF\xD8\xFF"])),
    ("gif", "image/gif", Magic::Prefix(&[b"GIF87a", b"GIF89a"])),
    ("webp", "image/webp", Magic::Riff(b"WEBP")),
    ("pdf", "application/pdf", Magic::Prefix(&[b"%PDF-"])),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Magic::Prefix(ZIP),
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Magic::Prefix(ZIP),
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        Magic::Prefix(ZIP),
    ),
    (
        "odt",
        "application/vnd.oasis.opendocument.text",
        Magic::Prefix(ZIP),
    ),
    (
        "ods",
        "application/vnd.oasis.opendocument.spreadsheet",
        Magic::Prefix(ZIP),
    ),
    (
        "odp",
        "application/vnd.oasis.opendocument.presentation",
        Magic::Prefix(ZIP),
    ),
    ("doc", "application/msword", Magic::Prefix(OLE)),
    ("xls", "application/vnd.ms-excel", Magic::Prefix(OLE)),
    ("ppt", "application/vnd.ms-powerpoint", Magic::Prefix(OLE)),
    ("rtf", "application/rtf", Magic::Prefix(&[b"{\\rtf"])),
    ("zip", "application/zip", Magic::Prefix(ZIP)),
    ("txt", "text/plain; charset=utf-8", Magic::Text),
    ("log", "text/plain; charset=utf-8", Magic::Text),
    ("md", "text/markdown; charset=utf-8", Magic::Text),
    ("csv", "text/csv; charset=utf-8", Magic::Text),
    ("json", "application/json", Magic::Text),
    ("mp3", "audio/mpeg", Magic::Mp3),
    ("wav", "audio/wav", Magic::Riff(b"WAVE")),
    ("ogg", "audio/ogg", Magic::Prefix(&[b"OggS"])),
    ("m4a", "audio/mp4", Magic::Ftyp),
    ("mp4", "video/mp4", Magic::Ftyp),
    ("mov", "video/quicktime", Magic::Ftyp),
    ("webm", "video/webm", Magic::Prefix(&[b"\x1A\x45\xDF\xA3"])),
];

/// Signatures of programs: refused whatever the extension says.
const EXECUTABLE: &[&[u8]] = &[
    b"MZ",               // Windows PE
    b"\x7FELF",          // Linux
    b"\xFE\xED\xFA\xCE", // Mach-O
    b"\xFE\xED\xFA\xCF",
    b"\xCE\xFA\xED\xFE",
    b"\xCF\xFA\xED\xFE",
    b"\xCA\xFE\xBA\xBE", // Mach-O universal / Java class
    b"#!",               // scripts
];

fn extension(name: &str) -> Option<String> {
    name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())
}

fn allowed_list() -> String {
    "images (png, jpg, gif, webp), pdf, office documents, text, audio/video and zip".into()
}

/// 415 unless the name's extension is an accepted type (checked before any byte is read).
pub fn check_name(name: &str) -> ApiResult<()> {
    let ext = extension(name).unwrap_or_default();
    if TYPES.iter().any(|(e, _, _)| *e == ext) {
        return Ok(());
    }
    Err(ApiError::UnsupportedType(if ext.is_empty() {
        format!(
            "\"{name}\" has no file extension; accepted are {}.",
            allowed_list()
        )
    } else {
        format!(
            "Files of type .{ext} are not accepted; accepted are {}.",
            allowed_list()
        )
    }))
}

/// The Content-Type of a file named `name` whose first bytes are `head`; 415 when the name is
/// not an accepted type, the content does not match it, or the content is a program.
pub fn classify(name: &str, head: &[u8]) -> ApiResult<&'static str> {
    check_name(name)?;
    let ext = extension(name).unwrap_or_default();
    let refuse = |why: &str| {
        Err(ApiError::UnsupportedType(format!(
            "\"{name}\" {why}; accepted are {}.",
            allowed_list()
        )))
    };
    if EXECUTABLE.iter().any(|m| head.starts_with(m)) {
        return refuse("is a program");
    }
    let Some((_, content_type, magic)) = TYPES.iter().find(|(e, _, _)| *e == ext) else {
        return refuse("is not an accepted type");
    };
    let ok = match magic {
        Magic::Prefix(sigs) => sigs.iter().any(|s| head.starts_with(s)),
        Magic::Riff(tag) => head.starts_with(b"RIFF") && head.get(8..12) == Some(*tag),
        Magic::Ftyp => head.get(4..8) == Some(b"ftyp"),
        Magic::Mp3 => {
            head.starts_with(b"ID3")
                || (head.len() > 1 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
        }
        Magic::Text => !head.contains(&0),
    };
    if !ok {
        return refuse(&format!("is not really a .{ext} file"));
    }
    Ok(content_type)
}

/// An extension for a downloaded file that has none, from the server's Content-Type.
pub fn extension_for(content_type: &str) -> Option<&'static str> {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    TYPES
        .iter()
        .find(|(_, ct, _)| ct.split(';').next() == Some(essence))
        .map(|(e, _, _)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_must_match_the_extension() {
        assert_eq!(
            classify("a.png", b"\x89PNG\r\n\x1a\n...").ok(),
            Some("image/png")
        );
        assert!(classify("a.png", b"MZ\x90\x00").is_err());
        assert!(classify("a.txt", b"MZ\x90\x00").is_err());
        assert!(classify("a.txt", b"#!/bin/sh\nrm -rf /").is_err());
        assert!(classify("a.exe", b"hello").is_err());
        assert!(classify("a", b"hello").is_err());
        assert!(classify("a.txt", b"a\0b").is_err());
        assert_eq!(
            classify("notes.TXT", b"hello").ok(),
            Some("text/plain; charset=utf-8")
        );
        assert!(classify("a.docx", b"PK\x03\x04").is_ok());
        assert!(classify("a.webp", b"RIFF\0\0\0\0WEBPVP8 ").is_ok());
        assert_eq!(extension_for("image/jpeg"), Some("jpg"));
        assert_eq!(extension_for("application/x-msdownload"), None);
    }
}
