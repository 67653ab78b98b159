//! The real server binary (release build) on a temp demo database, killed on drop.

use std::path::Path;
use std::process::Stdio;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

pub struct Server {
    pub url: String,
    pub admin_token: String,
    /// The demo's Custom app channel and its secret (random per database), as `demo` prints
    /// them.
    pub custom_channel: i64,
    pub custom_secret: String,
    _child: Child,
}

/// `(id, secret)` from the line `Custom app channel: id N  secret S` that `demo` prints.
fn custom_channel(printed: &str) -> anyhow::Result<(i64, String)> {
    let line = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("Custom app channel:"))
        .context("`demo` printed no Custom app channel")?;
    let words: Vec<&str> = line.split_whitespace().collect();
    match words.as_slice() {
        ["id", id, "secret", secret] => Ok((id.parse()?, (*secret).to_string())),
        _ => anyhow::bail!("unexpected channel line {line:?}"),
    }
}

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
        let demo = Command::new(&bin)
            .arg("--db")
            .arg(&db)
            .arg("demo")
            .output()
            .await
            .with_context(|| format!("running {}", bin.display()))?;
        anyhow::ensure!(demo.status.success(), "demo failed");
        let (custom_channel, custom_secret) =
            custom_channel(&String::from_utf8_lossy(&demo.stdout))?;
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
            custom_channel,
            custom_secret,
            _child: child,
        })
    }
}
