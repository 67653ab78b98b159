//! The file store: attachment bytes outside the database, content-addressed by SHA-256 (key
//! `ab/cdef…`) in an object store: by default a directory beside the database
//! (`<db>.files/ab/cdef…`), or an S3-compatible bucket that several server instances share
//! (`serve --files s3://bucket/prefix`, through the `object_store` crate). Bytes arrive as a
//! stream and go to a local temporary file while they are hashed and counted, so a file is never
//! held whole in memory and an upload that breaks off (client gone, over the size limit) leaves
//! nothing behind: the temporary file is removed on drop. Only a complete file is put into the
//! store, under its hash, so identical files are stored once.

pub mod fetch;
pub mod kind;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::buffered::BufWriter;
use object_store::local::LocalFileSystem;
use object_store::prefix::PrefixStore;
use object_store::ObjectStore;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::{ApiError, ApiResult};

/// How many leading bytes are kept for type sniffing.
const HEAD_LEN: usize = 512;

/// A stored file's bytes, streamed.
pub type BlobStream = BoxStream<'static, std::io::Result<Bytes>>;

/// Why the store could not be opened (`serve` refuses to start).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the file store {path}: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("--files {url}: {reason}")]
    Url { url: String, reason: String },
    #[error("--files {url}: {source}")]
    Open {
        url: String,
        source: object_store::Error,
    },
}

/// Where files go and the limits that apply to them.
#[derive(Debug, Clone)]
pub struct FileStore {
    blobs: Arc<dyn ObjectStore>,
    /// Where files are received before they are complete (always local).
    tmp_dir: PathBuf,
    pub max_bytes: u64,
    /// `send-file-message` may fetch from loopback / private addresses (tests, intranets).
    pub allow_private_fetch: bool,
    /// Connect and read timeout of `send-file-message` fetches.
    pub fetch_timeout: Duration,
}

impl FileStore {
    /// The store in the directory beside the database file `db` (`<db>.files`).
    pub fn beside(db: &Path, max_bytes: u64) -> Result<Self, StoreError> {
        let mut dir = db.as_os_str().to_owned();
        dir.push(".files");
        Self::in_dir(PathBuf::from(dir), max_bytes)
    }

    /// The store `--files` names: a directory, or `s3://bucket[/prefix]` configured by the
    /// standard `AWS_*` variables (`AWS_ENDPOINT_URL` and `AWS_ALLOW_HTTP` for an S3-compatible
    /// server of your own). Files are received in `tmp_dir` before they are put there.
    pub fn open(url: &str, tmp_dir: &Path, max_bytes: u64) -> Result<Self, StoreError> {
        let Some(rest) = url.strip_prefix("s3://") else {
            if url.contains("://") {
                return Err(StoreError::Url {
                    url: url.into(),
                    reason: "give a directory or an s3://bucket/prefix URL".into(),
                });
            }
            return Self::in_dir(PathBuf::from(url), max_bytes);
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StoreError::Url {
                url: url.into(),
                reason: "name the bucket: s3://bucket/prefix".into(),
            });
        }
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|source| StoreError::Open {
                url: url.into(),
                source,
            })?;
        let prefix = prefix.trim_matches('/');
        let blobs: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Self::with(blobs, tmp_dir.to_path_buf(), max_bytes)
    }

    /// A store in the directory `dir`, receiving files in its `tmp` folder.
    fn in_dir(dir: PathBuf, max_bytes: u64) -> Result<Self, StoreError> {
        // The local store opens only an existing directory.
        create_dir(&dir)?;
        let blobs = LocalFileSystem::new_with_prefix(&dir).map_err(|source| StoreError::Open {
            url: dir.display().to_string(),
            source,
        })?;
        Self::with(Arc::new(blobs), dir.join("tmp"), max_bytes)
    }

    fn with(
        blobs: Arc<dyn ObjectStore>,
        tmp_dir: PathBuf,
        max_bytes: u64,
    ) -> Result<Self, StoreError> {
        create_dir(&tmp_dir)?;
        Ok(Self {
            blobs,
            tmp_dir,
            max_bytes,
            allow_private_fetch: false,
            fetch_timeout: Duration::from_secs(30),
        })
    }

    /// The key of the blob with this hex SHA-256.
    fn key(sha256: &str) -> object_store::path::Path {
        let (a, b) = sha256.split_at(2.min(sha256.len()));
        object_store::path::Path::from_iter([a, b])
    }

    /// The bytes of the blob with this hex SHA-256, streamed; `None` when the store does not
    /// have it (a restored database, a cleaned disk).
    pub async fn open_blob(&self, sha256: &str) -> ApiResult<Option<BlobStream>> {
        match self.blobs.get(&Self::key(sha256)).await {
            Ok(got) => Ok(Some(
                got.into_stream()
                    .map_err(|e| std::io::Error::other(e.to_string()))
                    .boxed(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(store_error("read", sha256, &e)),
        }
    }

    /// The whole blob (stored files are at most [`Self::max_bytes`]): what a channel sends.
    pub async fn read_blob(&self, sha256: &str) -> ApiResult<Option<Bytes>> {
        match self.blobs.get(&Self::key(sha256)).await {
            Ok(got) => got
                .bytes()
                .await
                .map(Some)
                .map_err(|e| store_error("read", sha256, &e)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(store_error("read", sha256, &e)),
        }
    }

    pub fn too_large(&self) -> ApiError {
        too_large(self.max_bytes)
    }

    /// Starts receiving a file into a temporary file of the store.
    pub async fn writer(&self) -> ApiResult<BlobWriter> {
        tokio::fs::create_dir_all(&self.tmp_dir)
            .await
            .map_err(|e| io_error("create the file store", &self.tmp_dir, e))?;
        let path = self.tmp_dir.join(uuid::Uuid::new_v4().to_string());
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

fn create_dir(path: &Path) -> Result<(), StoreError> {
    std::fs::create_dir_all(path).map_err(|source| StoreError::CreateDir {
        path: path.to_path_buf(),
        source,
    })
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> ApiError {
    ApiError::Internal(format!("file store: cannot {what} {}: {e}", path.display()))
}

fn store_error(what: &str, sha256: &str, e: &object_store::Error) -> ApiError {
    ApiError::Internal(format!("file store: cannot {what} blob {sha256}: {e}"))
}

/// A temporary file removed when dropped (after its bytes went into the store, or not).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        // Never written: nothing to remove.
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

    /// Puts the complete file into the store under its content address (streamed, in parts
    /// when large); returns the hex SHA-256.
    pub async fn commit(mut self) -> ApiResult<String> {
        self.file
            .flush()
            .await
            .map_err(|e| io_error("write", &self.temp.0, e))?;
        let sha = hex::encode(self.hasher.finalize_reset());
        let key = FileStore::key(&sha);
        if self.store.blobs.head(&key).await.is_ok() {
            // Same bytes already stored: the temporary copy is dropped (and removed).
            return Ok(sha);
        }
        let mut file = tokio::fs::File::open(&self.temp.0)
            .await
            .map_err(|e| io_error("read", &self.temp.0, e))?;
        let mut upload = BufWriter::new(Arc::clone(&self.store.blobs), key);
        let put = async {
            tokio::io::copy(&mut file, &mut upload).await?;
            upload.shutdown().await
        };
        if let Err(e) = put.await {
            // An interrupted multipart upload is aborted, so the store keeps no part of it.
            let _ = upload.abort().await;
            return Err(ApiError::Internal(format!(
                "file store: cannot store blob {sha}: {e}"
            )));
        }
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
