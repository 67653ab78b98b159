//! The real server binary (release build) on a temp demo database, killed on drop.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use switchboard_server::storage::Location;

use anyhow::Context;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// A demo database ready to serve.
#[derive(Clone)]
pub struct Demo {
    /// The SQLite file, or a PostgreSQL database (which `serve` gives an attachment folder).
    pub db: Location,
    pub files: Option<PathBuf>,
    /// The demo's Custom app channel and its secret (random per database), as `demo` prints
    /// them.
    pub custom_channel: i64,
    pub custom_secret: String,
}

pub struct Server {
    pub url: String,
    pub admin_token: String,
    pub demo: Demo,
    child: Child,
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

/// `--db`'s value for `db`.
pub fn db_arg(db: &Location) -> OsString {
    match db {
        Location::Sqlite(path) => path.clone().into_os_string(),
        Location::Postgres(url) => url.into(),
    }
}

impl Demo {
    /// The SQLite file (the measures that read or write the file itself need one).
    pub fn sqlite(&self) -> anyhow::Result<&Path> {
        match &self.db {
            Location::Sqlite(path) => Ok(path),
            Location::Postgres(_) => anyhow::bail!("this measure needs the SQLite demo"),
        }
    }
}

pub fn binary() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("SWITCHBOARD_SERVER_BIN") {
        return Ok(path.into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR").context("CARGO_TARGET_DIR is not set")?;
    Ok(Path::new(&target).join("release/switchboard-server"))
}

impl Demo {
    /// `switchboard-server demo` into a fresh database in `dir`.
    pub async fn create(dir: &Path) -> anyhow::Result<Demo> {
        Self::create_at(Location::Sqlite(dir.join("server.db")), None).await
    }

    /// `switchboard-server demo` into the (empty) database `db`.
    pub async fn create_at(db: Location, files: Option<PathBuf>) -> anyhow::Result<Demo> {
        let bin = binary()?;
        let demo = Command::new(&bin)
            .arg("--db")
            .arg(db_arg(&db))
            .arg("demo")
            .output()
            .await
            .with_context(|| format!("running {}", bin.display()))?;
        anyhow::ensure!(demo.status.success(), "demo failed");
        let (custom_channel, custom_secret) =
            custom_channel(&String::from_utf8_lossy(&demo.stdout))?;
        Ok(Demo {
            db,
            files,
            custom_channel,
            custom_secret,
        })
    }
}

impl Server {
    pub async fn serve(demo: &Demo) -> anyhow::Result<Server> {
        let mut command = Command::new(binary()?);
        command
            .arg("--db")
            .arg(db_arg(&demo.db))
            .args(["serve", "--listen", "127.0.0.1:0"]);
        if let Some(files) = &demo.files {
            command.arg("--files").arg(files);
        }
        let mut child = command
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
            demo: demo.clone(),
            child,
        })
    }

    /// Stops the process and waits for it, so that the database is free for the bulk load.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        self.child.kill().await?;
        Ok(())
    }

    pub fn inbound_url(&self) -> String {
        format!(
            "{}/api/v1/channels/{}/inbound",
            self.url, self.demo.custom_channel
        )
    }
}
