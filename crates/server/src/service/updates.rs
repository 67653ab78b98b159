//! Desktop app updates served by the company's own server (`serve --updates-dir DIR`), so a
//! company updates its operators' desks without reaching the internet.
//!
//! DIR holds the release's `latest.json` — Tauri's static updater manifest, as `tauri-action`
//! writes it: `{version, notes, pub_date, platforms: {"linux-x86_64": {url, signature}, …}}` —
//! and, when the company hosts them too, the bundles it names by a bare file name. The app asks
//! `GET /updates/{target}/{arch}/{current_version}` (Tauri's dynamic update server contract):
//! 204 when there is nothing newer for its platform, else the one platform's `{version, url,
//! signature, notes, pub_date}`. The app checks the signature against the public key built
//! into it, so the server is only a host: it cannot make a desk install a bundle the vendor did
//! not sign.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use semver::Version;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};

/// The manifest's file name in the updates directory.
pub const MANIFEST: &str = "latest.json";
/// A larger manifest is not read (it lists a handful of platforms).
const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// Tauri's static manifest (the fields the server uses; others are ignored).
#[derive(Debug, Deserialize)]
struct Manifest {
    version: String,
    #[serde(default)]
    notes: Option<String>,
    #[serde(default)]
    pub_date: Option<String>,
    platforms: BTreeMap<String, Platform>,
}

#[derive(Debug, Deserialize)]
struct Platform {
    url: String,
    signature: String,
}

/// How the asking desk was installed, as Tauri's updater names it (`{{bundle_type}}`): a
/// desk installed from a `.deb` can only install a `.deb`, so the manifest's platform entry for
/// its installer (`linux-x86_64-deb`, as Tauri's bundler names it) comes before the plain one
/// (`linux-x86_64`, the AppImage), the order Tauri's own static manifests are read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BundleType {
    Appimage,
    Deb,
    Rpm,
    Msi,
    Nsis,
    App,
    /// A desk not run from an installer (a development build).
    Unknown,
}

impl BundleType {
    /// The suffix of its platform entries in the manifest, if it has its own.
    fn suffix(self) -> Option<&'static str> {
        match self {
            BundleType::Appimage => Some("appimage"),
            BundleType::Deb => Some("deb"),
            BundleType::Rpm => Some("rpm"),
            BundleType::Msi => Some("msi"),
            BundleType::Nsis => Some("nsis"),
            BundleType::App => Some("app"),
            BundleType::Unknown => None,
        }
    }
}

/// The answer for one app: Tauri's dynamic update format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Offer {
    pub version: String,
    /// Where the bundle is downloaded from (absolute).
    pub url: String,
    /// The content of the bundle's `.sig` file (minisign), checked by the app.
    pub signature: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pub_date: Option<String>,
}

fn not_served() -> ApiError {
    ApiError::not_found("This server does not serve app updates (serve --updates-dir).")
}

/// A version as the app and the manifest write it ("1.2.3" or "v1.2.3").
fn version(raw: &str) -> Option<Version> {
    Version::parse(raw.trim().trim_start_matches('v')).ok()
}

/// What to offer an app of `target`/`arch` at `current`, installed as `bundle`, if anything:
/// nothing when the server serves no updates (every desk asks at start; a server without
/// `--updates-dir` just has nothing newer, not an error to log). `files_base` is the absolute
/// address of `GET /updates/files/` on this server, for bundles the manifest names by a bare
/// file name.
pub async fn offer(
    dir: Option<&Path>,
    target: &str,
    arch: &str,
    current: &str,
    bundle: Option<BundleType>,
    files_base: &str,
) -> ApiResult<Option<Offer>> {
    let current = version(current).ok_or_else(|| {
        ApiError::bad_request(format!(
            "`{current}` is not a version (like 1.4.0); it is the version of the asking app."
        ))
    })?;
    let Some(dir) = dir else {
        return Ok(None);
    };
    let path = dir.join(MANIFEST);
    let manifest = match read_manifest(&path).await {
        Ok(Some(m)) => m,
        Ok(None) => return Ok(None),
        Err(why) => {
            // The admin's file, not the caller's input: the app hears "nothing new" and the
            // log says why.
            tracing::warn!(path = %path.display(), %why, "update manifest not usable");
            return Ok(None);
        }
    };
    let Some(latest) = version(&manifest.version) else {
        tracing::warn!(version = %manifest.version, "update manifest has no valid version");
        return Ok(None);
    };
    if latest <= current {
        return Ok(None);
    }
    let plain = format!("{target}-{arch}");
    let own = bundle
        .and_then(BundleType::suffix)
        .and_then(|suffix| manifest.platforms.get(&format!("{plain}-{suffix}")));
    let Some(platform) = own.or_else(|| manifest.platforms.get(&plain)) else {
        return Ok(None);
    };
    let url = if is_file_name(&platform.url) {
        format!("{files_base}{}", platform.url)
    } else {
        platform.url.clone()
    };
    Ok(Some(Offer {
        version: latest.to_string(),
        url,
        signature: platform.signature.clone(),
        notes: manifest.notes,
        pub_date: manifest.pub_date,
    }))
}

/// `Ok(None)`: no manifest in the directory (nothing released yet).
async fn read_manifest(path: &Path) -> Result<Option<Manifest>, String> {
    let meta = match tokio::fs::metadata(path).await {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    if meta.len() > MAX_MANIFEST_BYTES {
        return Err(format!("larger than {MAX_MANIFEST_BYTES} bytes"));
    }
    let bytes = tokio::fs::read(path).await.map_err(|e| e.to_string())?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// A bare file name a bundle may have: letters, digits, `.`, `_`, `-`, `+`; no path, not
/// hidden.
fn is_file_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 255
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'))
}

/// The path of bundle `name` in the updates directory: a regular file directly in it (no
/// subdirectory, no link out of it), or 404.
pub async fn file(dir: Option<&Path>, name: &str) -> ApiResult<PathBuf> {
    let dir = dir.ok_or_else(not_served)?;
    let missing = || ApiError::not_found(format!("No update file named {name:?}."));
    if !is_file_name(name) || name == MANIFEST {
        return Err(missing());
    }
    let path = dir.join(name);
    let meta = tokio::fs::symlink_metadata(&path)
        .await
        .map_err(|_| missing())?;
    if !meta.file_type().is_file() {
        return Err(missing());
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, manifest: &serde_json::Value) {
        std::fs::write(dir.join(MANIFEST), manifest.to_string()).expect("manifest");
    }

    fn manifest(version: &str) -> serde_json::Value {
        serde_json::json!({
            "version": version,
            "notes": "Faster sync",
            "pub_date": "2026-11-29T08:00:00Z",
            "platforms": {
                "linux-x86_64": {"url": "Switchboard_0.2.0_amd64.AppImage", "signature": "SIG-L"},
                "windows-x86_64": {"url": "https://cdn.example/Switchboard_0.2.0_x64.msi", "signature": "SIG-W"}
            }
        })
    }

    const BASE: &str = "http://desk.test/updates/files/";

    #[tokio::test]
    async fn newer_versions_are_offered_for_the_app_s_platform() {
        let dir = tempfile::tempdir().expect("dir");
        write(dir.path(), &manifest("v0.2.0"));
        let got = offer(Some(dir.path()), "linux", "x86_64", "0.1.0", None, BASE)
            .await
            .expect("offer")
            .expect("an update");
        assert_eq!(got.version, "0.2.0");
        assert_eq!(got.url, format!("{BASE}Switchboard_0.2.0_amd64.AppImage"));
        assert_eq!(got.signature, "SIG-L");
        let win = offer(Some(dir.path()), "windows", "x86_64", "0.1.0", None, BASE)
            .await
            .expect("offer")
            .expect("an update");
        assert_eq!(win.url, "https://cdn.example/Switchboard_0.2.0_x64.msi");
        for (target, current) in [("linux", "0.2.0"), ("linux", "v0.3.0"), ("darwin", "0.1.0")] {
            let none = offer(Some(dir.path()), target, "x86_64", current, None, BASE)
                .await
                .expect("offer");
            assert_eq!(none, None, "{target} {current}");
        }
    }

    #[tokio::test]
    async fn a_desk_gets_the_bundle_for_how_it_was_installed() {
        let dir = tempfile::tempdir().expect("dir");
        let mut with_deb = manifest("0.2.0");
        with_deb["platforms"]["linux-x86_64-deb"] =
            serde_json::json!({"url": "Switchboard_0.2.0_amd64.deb", "signature": "SIG-D"});
        write(dir.path(), &with_deb);
        let ask = |bundle| offer(Some(dir.path()), "linux", "x86_64", "0.1.0", bundle, BASE);
        let deb = ask(Some(BundleType::Deb))
            .await
            .expect("offer")
            .expect("an update");
        assert_eq!(deb.url, format!("{BASE}Switchboard_0.2.0_amd64.deb"));
        assert_eq!(deb.signature, "SIG-D");
        // No entry of its own: the plain one, as Tauri reads its static manifests.
        for bundle in [None, Some(BundleType::Appimage), Some(BundleType::Unknown)] {
            let got = ask(bundle).await.expect("offer").expect("an update");
            assert_eq!(got.signature, "SIG-L", "{bundle:?}");
        }
    }

    #[tokio::test]
    async fn a_missing_or_broken_manifest_offers_nothing_and_bad_input_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let none = offer(Some(dir.path()), "linux", "x86_64", "0.1.0", None, BASE).await;
        assert_eq!(none.expect("no manifest"), None);
        std::fs::write(dir.path().join(MANIFEST), "{not json").expect("write");
        let none = offer(Some(dir.path()), "linux", "x86_64", "0.1.0", None, BASE).await;
        assert_eq!(none.expect("broken manifest"), None);
        write(dir.path(), &manifest("soon"));
        let none = offer(Some(dir.path()), "linux", "x86_64", "0.1.0", None, BASE).await;
        assert_eq!(none.expect("bad version"), None);
        let bad = offer(Some(dir.path()), "linux", "x86_64", "latest", None, BASE).await;
        assert!(matches!(bad, Err(ApiError::BadRequest(_))), "{bad:?}");
        let off = offer(None, "linux", "x86_64", "0.1.0", None, BASE).await;
        assert_eq!(off.expect("no updates dir"), None);
    }

    #[tokio::test]
    async fn only_plain_files_of_the_directory_are_served() {
        let root = tempfile::tempdir().expect("dir");
        let dir = root.path().join("updates");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::write(dir.join("app.AppImage"), b"bundle").expect("bundle");
        std::fs::write(root.path().join("secret.txt"), b"no").expect("secret");
        std::fs::create_dir(dir.join("sub")).expect("sub");
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.path().join("secret.txt"), dir.join("link.txt"))
            .expect("link");
        assert!(file(Some(&dir), "app.AppImage").await.is_ok());
        for name in [
            "../secret.txt",
            "sub",
            "link.txt",
            ".hidden",
            "latest.json",
            "a/b",
            "",
            "nope.deb",
        ] {
            assert!(file(Some(&dir), name).await.is_err(), "{name}");
        }
    }
}
