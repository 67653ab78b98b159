//! The real server binary (release build) on a temp demo database, killed on drop.

use std::path::Path;
use std::process::Stdio;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Server {
    pub url: String,
    pub admin_token: String,
    _child: Child,
}

/// The demo's Custom app channel (see `switchboard-server demo`).
pub const CUSTOM_CHANNEL: i64 = 4;
pub const CUSTOM_SECRET: &str = "demo-custom-secret";

fn binary() -> anyhow::Result<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("SWITCHBOARD_SERVER_BIN") {
        return Ok(path.into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").context("CARGO_TARGET_DIR is not set")?;
    Ok(Path::new(&target).join("release/switchboard-server"))
}

impl Server {
    pub async fn start(dir: &Path) -> anyhow::Result<Server> {
        let bin = binary()?;
        let db = dir.join("server.db");
        let status = Command::new(&bin)
            .arg("--db")
            .arg(&db)
            .arg("demo")
            .stdout(Stdio::null())
            .status()
            .await
            .with_context(|| format!("running {}", bin.display()))?;
        anyhow::ensure!(status.success(), "demo failed");
        let mut child = Command::new(&bin)
            .arg("--db")
            .arg(&db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let stdout = child.stdout.take().context("no stdout")?;
        let line = BufReader::new(stdout)
            .lines()
            .next_line()
            .await?
            .context("server exited")?;
        let url = line
            .rsplit(' ')
            .next()
            .context("no address in the listening line")?
            .to_string();
        let reply = switchboard_core::login(&url, "admin@demo.test", "demo").await?;
        Ok(Server {
            url,
            admin_token: reply.token,
            _child: child,
        })
    }
}
