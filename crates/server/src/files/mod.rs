//! The file store: attachment bytes outside the database, content-addressed by SHA-256 under
//! `<db>.files/ab/cdef…`. Bytes arrive as a stream and go to a temporary file while they are
//! hashed and counted, so a file is never held whole in memory and an upload that breaks off
//! (client gone, over the size limit) leaves nothing behind: the temporary file is removed on
//! drop. Identical files are stored once.

pub mod fetch;
pub mod kind;

use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult};

/// How many leading bytes are kept for type sniffing.
const HEAD_LEN: usize = 512;

/// Where files go and the limits that apply to them.
#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    pub max_bytes: u64,
    /// `send-file-message` may fetch from loopback / private addresses (tests, intranets).
    pub allow_private_fetch: bool,
    /// Connect and read timeout of `send-file-message` fetches.
    pub fetch_timeout: Duration,
}

impl FileStore {
    /// The store beside the database file `db`.
    pub fn beside(db: &Path, max_bytes: u64) -> Self {
        let mut dir = db.as_os_str().to_owned();
        dir.push(".files");
        Self {
            dir: PathBuf::from(dir),
            max_bytes,
            allow_private_fetch: false,
            fetch_timeout: Duration::from_secs(30),
        }
    }

    /// Where the blob with this hex SHA-256 lives.
    pub fn path_of(&self, sha256: &str) -> PathBuf {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        self.dir.join(a).join(b)
    }

    pub fn too_large(&self) -> ApiError {
        too_large(self.max_bytes)
    }

    /// Starts receiving a file into a temporary file of the store.
    pub async fn writer(&self) -> ApiResult<BlobWriter> {
        let tmp_dir = self.dir.join("tmp");
        tokio::fs::create_dir_all(&tmp_dir)
            .await
            .map_err(|e| io_error("create the file store", &tmp_dir, e))?;
        let path = tmp_dir.join(uuid::Uuid::new_v4().to_string());
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| io_error("create", &path, e))?;
        Ok(BlobWriter {
            store: self.clone(),
            temp: TempFile(path),
            file,
            hasher: Sha256::new(),
            size: 0,
            head: Vec::with_capacity(HEAD_LEN),
        })
    }
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("file store: cannot {what} {}: {e}", path.display()))
}

/// A temporary file removed when dropped (unless moved into place).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        // Already renamed into the store, or never written: nothing to remove.
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A file being received; see [`FileStore::writer`].
pub struct BlobWriter {
    store: FileStore,
    temp: TempFile,
    file: tokio::fs::File,
    hasher: Sha256,
    size: u64,
    head: Vec<u8>,
}

impl BlobWriter {
    /// Appends a chunk; 413 as soon as the file passes the store's limit.
    pub async fn write(&mut self, chunk: &[u8]) -> ApiResult<()> {
        self.size += chunk.len() as u64;
        if self.size > self.store.max_bytes {
            return Err(self.store.too_large());
        }
        if self.head.len() < HEAD_LEN {
            let take = (HEAD_LEN - self.head.len()).min(chunk.len());
            self.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| io_error("write", &self.temp.0, e))
    }

    /// The first bytes received (for [`kind::classify`]).
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// Flushes the file to disk and moves it to its content address; returns the hex SHA-256.
    pub async fn commit(mut self) -> ApiResult<String> {
        self.file
            .sync_all()
            .await
            .map_err(|e| io_error("sync", &self.temp.0, e))?;
        let sha = hex::encode(self.hasher.finalize_reset());
        let target = self.store.path_of(&sha);
        if tokio::fs::try_exists(&target).await.unwrap_or(false) {
            // Same bytes already stored: the temporary copy is dropped (and removed).
            return Ok(sha);
        }
        if let Some(parent) = target.parent() {
            tokio::fs::create_dir_all(parent)
                .await
                .map_err(|e| io_error("create", parent, e))?;
        }
        tokio::fs::rename(&self.temp.0, &target)
            .await
            .map_err(|e| io_error("store", &target, e))?;
        Ok(sha)
    }
}

/// A file name safe on every OS: no folders (`/`, `\`, `..`), no control or reserved
/// characters, no Windows device names (`CON`, `COM1`, …), at most 150 characters with the
/// extension kept. Never empty.
pub fn sanitize_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '|' | '?' | '*' => '_',
            c => c,
        })
        .collect();
    // Leading dots would hide the file (and `..` is a path); trailing dots and spaces are
    // dropped by Windows.
    let trimmed = cleaned.trim_matches(|c: char| c == '.' || c.is_whitespace());
    let (stem, ext) = match trimmed.rsplit_once('.') {
        Some((s, e)) if !s.is_empty() => (s, Some(e)),
        _ => (trimmed, None),
    };
    let ext_len = ext.map_or(0, |e| e.chars().count() + 1);
    let mut stem: String = stem
        .chars()
        .take(150usize.saturating_sub(ext_len))
        .collect();
    if stem.trim().is_empty() {
        stem = "file".into();
    }
    let device = stem
        .split('.')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_uppercase();
    let reserved = matches!(device.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || ((device.starts_with("COM") || device.starts_with("LPT"))
            && device.len() == 4
            && device.as_bytes()[3].is_ascii_digit());
    if reserved {
        stem.insert(0, '_');
    }
    match ext {
        Some(e) => format!("{stem}.{e}"),
        None => stem,
    }
}

/// 413 for a file over `max` bytes.
pub fn too_large(max: u64) -> ApiError {
    ApiError::TooLarge(format!(
        "The file is larger than the limit of {} MiB.",
        max / (1024 * 1024)
    ))
}

#[cfg(test)]
mod tests {
    use super::sanitize_name;

    #[test]
    fn names_lose_paths_and_tricks() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("..\\..\\Windows\\win.ini"), "win.ini");
        assert_eq!(sanitize_name(".."), "file");
        assert_eq!(sanitize_name(""), "file");
        assert_eq!(sanitize_name("a\u{0}b\r\n.txt"), "ab.txt");
        assert_eq!(sanitize_name("CON.txt"), "_CON.txt");
        assert_eq!(sanitize_name("com1.tar.gz"), "_com1.tar.gz");
        assert_eq!(sanitize_name("report:v2?.pdf"), "report_v2_.pdf");
        assert_eq!(sanitize_name(".hidden.png"), "hidden.png");
        assert_eq!(sanitize_name("photo.jpg. . "), "photo.jpg");
        let long = format!("{}.pdf", "x".repeat(400));
        let s = sanitize_name(&long);
        assert_eq!(s.chars().count(), 150);
        assert!(s.ends_with(".pdf"));
        assert_eq!(sanitize_name("Отчёт.docx"), "Отчёт.docx");
    }
}
