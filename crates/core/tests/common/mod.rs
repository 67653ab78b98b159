//! Shared harness of the core's integration tests: the real `switchboard-server` binary on a
//! temp database and an ephemeral loopback port, a recorder for desk events and bounded waits.
#![allow(dead_code)] // each test file uses a different part of the harness

pub mod proxy;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use switchboard_core::{
    ConnState, Desk, DeskConfig, DeskEvents, IncomingMessage, Notice, UploadProgress,
};
use switchboard_protocol::{
    ChannelKind, ClientTyping, ConversationAction, ConversationStatus, Id, InboundAccepted,
    InboundMessage, LoginResponse,
};

pub const DEMO_PASSWORD: &str = "demo";
pub const DEMO_ADMIN: &str = "admin@demo.test";

/// The server binary: `$SWITCHBOARD_SERVER_BIN`, else `$CARGO_TARGET_DIR/debug/…`, else the
/// `target/debug` of this workspace. Missing → a failure that says how to build it.
pub fn server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("SWITCHBOARD_SERVER_BIN") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "SWITCHBOARD_SERVER_BIN={} does not exist",
            p.display()
        );
        return p;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let bin = target.join("debug").join("switchboard-server");
    assert!(
        bin.is_file(),
        "the server binary {} is missing: build it first with `cargo build -p switchboard-server` \
         (same CARGO_TARGET_DIR), or point SWITCHBOARD_SERVER_BIN at it",
        bin.display()
    );
    bin
}

pub fn run_cli(db: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new(server_bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .context("running switchboard-server")?;
    if !out.status.success() {
        bail!(
            "switchboard-server {args:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A running server on a temp database; killed on drop.
pub struct Server {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub url: String,
    /// The demo's Custom app channel secret (random per database; `demo` prints it).
    pub channel_secret: String,
    child: Option<Child>,
}

impl Server {
    /// A fresh database with the demo company, served on a free port.
    pub fn demo() -> Result<Server> {
        let dir = tempfile::tempdir()?;
        let db = dir.path().join("server.sqlite3");
        let printed = run_cli(&db, &["demo"])?;
        let channel_secret = printed
            .lines()
            .find_map(|l| l.trim().strip_prefix("Custom app channel:"))
            .and_then(|l| l.split_whitespace().skip_while(|w| *w != "secret").nth(1))
            .ok_or_else(|| anyhow!("`demo` printed no channel secret: {printed}"))?
            .to_owned();
        let (child, url) = spawn(&db, "127.0.0.1:0")?;
        Ok(Server {
            dir,
            db,
            url,
            channel_secret,
            child: Some(child),
        })
    }

    /// `host:port` the server listens on.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_owned()
    }

    /// The server process, for SIGSTOP / SIGCONT (a server that hangs mid-request).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Sends `signal` (e.g. "STOP", "CONT") to the server process.
    pub fn signal(&self, signal: &str) -> Result<()> {
        let pid = self.pid().context("the server is not running")?;
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(pid.to_string())
            .status()?;
        anyhow::ensure!(status.success(), "kill -{signal} {pid} failed");
        Ok(())
    }

    /// The server's attachment store (beside the database), with `tmp/` for uploads in flight.
    pub fn files_dir(&self) -> PathBuf {
        let mut dir = self.db.as_os_str().to_owned();
        dir.push(".files");
        PathBuf::from(dir)
    }

    /// kill -9, like a crash.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts again on the same database and port.
    pub fn restart(&mut self) -> Result<()> {
        self.kill();
        let addr = self.addr();
        // The port was just released; retry briefly in case the OS holds it a moment.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match spawn(&self.db, &addr) {
                Ok((child, url)) => {
                    assert_eq!(url, self.url, "restarted on another address");
                    self.child = Some(child);
                    return Ok(());
                }
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("restart failed, retrying: {e:#}");
                    std::thread::sleep(Duration::from_millis(200));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `serve` and reads its one stdout line `switchboard-server listening on http://…`.
fn spawn(db: &Path, listen: &str) -> Result<(Child, String)> {
    let mut child = Command::new(server_bin())
        .arg("--db")
        .arg(db)
        .args(["serve", "--listen", listen])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting switchboard-server")?;
    let stdout = child.stdout.take().ok_or_else(|| anyhow!("no stdout"))?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stdout).lines();
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(url) = line.trim().strip_prefix("switchboard-server listening on ") {
                let _ = tx.send(url.trim().to_owned());
                break;
            }
        }
        // Keep draining so the server never blocks on a full pipe.
        for _ in lines {}
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(url) => Ok((child, url)),
        Err(_) => {
            let _ = child.kill();
            let status = child.wait().ok();
            bail!("switchboard-server did not report its address (exit: {status:?})")
        }
    }
}

/// Records what a desk reports.
#[derive(Default)]
pub struct Recorder {
    pub changed: Mutex<Vec<Vec<Id>>>,
    pub states: Mutex<Vec<ConnState>>,
    pub signed_out: Mutex<bool>,
    /// The sentence the desk signed out with.
    pub signed_out_reason: Mutex<Option<String>>,
    /// Who the operator became, each time the server changed them.
    pub me_changes: Mutex<Vec<switchboard_protocol::Me>>,
    pub incoming: Mutex<Vec<IncomingMessage>>,
    pub notices: Mutex<Vec<Notice>>,
    pub uploads: Mutex<Vec<UploadProgress>>,
    pub typing: Mutex<Vec<ClientTyping>>,
}

impl DeskEvents for Recorder {
    fn conversations_changed(&self, ids: &[Id]) {
        self.changed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(ids.to_vec());
    }
    fn conn_state(&self, state: &ConnState) {
        self.states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(state.clone());
    }
    fn client_messages(&self, messages: &[IncomingMessage]) {
        self.incoming
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(messages);
    }
    fn signed_out(&self, reason: &str) {
        *self
            .signed_out_reason
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(reason.to_owned());
        *self.signed_out.lock().unwrap_or_else(|e| e.into_inner()) = true;
    }
    fn me_changed(&self, me: &switchboard_protocol::Me) {
        self.me_changes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(me.clone());
    }
    fn notice(&self, notice: &Notice) {
        self.notices
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(notice.clone());
    }

    fn upload_progress(&self, progress: &UploadProgress) {
        self.uploads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(progress.clone());
    }

    fn client_typing(&self, typing: &ClientTyping) {
        self.typing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(typing.clone());
    }
}

pub async fn login(server: &Server, email: &str) -> Result<LoginResponse> {
    Ok(switchboard_core::login(&server.url, email, DEMO_PASSWORD).await?)
}

/// Signs in and starts a desk with its data in `data_dir`.
pub async fn start_desk(
    server: &Server,
    email: &str,
    data_dir: &Path,
) -> Result<(Desk, Arc<Recorder>)> {
    let session = login(server, email).await?;
    start_desk_at(&server.url, &session, data_dir).await
}

/// A desk signed in with `session` that reaches the server at `url`: the server itself, or a
/// proxy in front of it that a test can cut.
pub async fn start_desk_at(
    url: &str,
    session: &LoginResponse,
    data_dir: &Path,
) -> Result<(Desk, Arc<Recorder>)> {
    let events = Arc::new(Recorder::default());
    let desk = Desk::start(
        DeskConfig {
            data_dir: data_dir.to_owned(),
            server_url: url.to_owned(),
            token: session.token.clone(),
            me: session.me.clone(),
        },
        events.clone(),
    )
    .await?;
    Ok((desk, events))
}

/// Polls `check` (an async closure, so it can query the desk) until it returns `Some`, failing
/// after `secs` seconds with `what`.
pub async fn wait_for<T>(secs: u64, what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn wait_online(desk: &Desk, secs: u64) {
    wait_for(secs, "the desk to be online", async || {
        (desk.conn_state() == ConnState::Online).then_some(())
    })
    .await
}

pub async fn wait_offline(desk: &Desk, secs: u64) {
    wait_for(secs, "the desk to be offline", async || {
        matches!(desk.conn_state(), ConnState::Offline { .. }).then_some(())
    })
    .await
}

/// A client writes in through the demo's Custom app channel.
pub async fn ingest(
    server: &Server,
    channel_id: Id,
    external_id: &str,
    name: &str,
    text: &str,
) -> Result<InboundAccepted> {
    let resp = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/channels/{channel_id}/inbound",
            server.url
        ))
        .header("X-Channel-Secret", &server.channel_secret)
        .json(&InboundMessage {
            external_id: external_id.into(),
            name: name.into(),
            text: text.into(),
            attachment: None,
            contact: None,
        })
        .send()
        .await?;
    let status = resp.status();
    let body = resp.text().await?;
    if !status.is_success() {
        bail!("ingest answered {status}: {body}");
    }
    Ok(serde_json::from_str(&body)?)
}

/// The demo's Custom app channel account (the one the channel secret opens).
pub async fn custom_channel(api: &switchboard_core::ApiClient) -> Result<Id> {
    let dir = api.directory().await?;
    dir.channel_accounts
        .iter()
        .find(|a| a.kind == ChannelKind::Custom)
        .map(|a| a.id)
        .ok_or_else(|| anyhow!("the demo has no Custom app channel"))
}

pub fn admin_api(server: &Server, token: &str) -> Result<switchboard_core::ApiClient> {
    Ok(switchboard_core::ApiClient::new(
        &server.url,
        Some(token.to_owned()),
    )?)
}

/// A fresh conversation taken into the admin's inbox through the desk's outbox.
pub async fn my_conversation(server: &Server, desk: &Desk, token: &str, ext: &str) -> Result<Id> {
    let admin = admin_api(server, token)?;
    let channel = custom_channel(&admin).await?;
    let accepted = ingest(server, channel, ext, "Outbox Client", "hi, anyone?").await?;
    let id = accepted.conversation_id;
    wait_for(20, "the conversation in the cache", async || {
        desk.open(id).await.ok().map(|_| ())
    })
    .await;
    desk.act(id, ConversationAction::Start).await?;
    let me = desk.me().operator.id;
    wait_for(20, "the conversation in my inbox", async || {
        let v = desk.open(id).await.ok()?;
        // The Start shows at once (optimistic); wait until the server has it too.
        (v.row.status == ConversationStatus::Inbox
            && v.operator_id == Some(me)
            && v.pending_actions.is_empty())
        .then_some(())
    })
    .await;
    Ok(id)
}

pub fn outbox_len(desk: &Desk) -> usize {
    switchboard_core::cache::outbox::all(&desk.cache().reader())
        .map(|v| v.len())
        .unwrap_or(usize::MAX)
}
