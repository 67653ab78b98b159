//! Shared helpers of the integration tests: a small fixture company built through the crate's
//! storage layer, the real `switchboard-server` binary started on port 0, and HTTP helpers.
#![allow(dead_code)]

pub mod dovecot;
pub mod smtp;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use switchboard_protocol::{ChannelKind, Id, InboundMessage, Permissions};
use switchboard_server::auth::{hash_password, token_hash};
use switchboard_server::service::ingest::ingest_in;
use switchboard_server::service::now_ms;
use switchboard_server::storage::operators::NewOperator;
use switchboard_server::storage::{channels, clients, groups, operators, roles, tokens, Db};

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard-server");

/// The PostgreSQL server the suite runs on instead of SQLite (`./dev.sh test` starts a
/// throwaway one and runs the suite on both): `postgres://user@host:port`, no database.
pub const PG_ENV: &str = "SWITCHBOARD_TEST_PG";

pub fn pg_base() -> Option<String> {
    std::env::var(PG_ENV).ok().filter(|v| !v.is_empty())
}

/// Whether this run of the suite is on PostgreSQL.
pub fn on_postgres() -> bool {
    pg_base().is_some()
}

/// A test that checks SQLite itself (its file, its migrations) says so and passes on
/// PostgreSQL, where the run on SQLite covers it.
pub fn sqlite_only(what: &str) -> bool {
    if on_postgres() {
        eprintln!("on SQLite only: {what}");
        return true;
    }
    false
}

/// A test's database is named by a path: on SQLite the file itself; on PostgreSQL a database
/// of its own on the test server, named after the path (created on first use).
pub fn db_arg(db: &Path) -> std::ffi::OsString {
    match pg_base() {
        None => db.as_os_str().to_owned(),
        Some(base) => {
            let name = pg_name(db);
            ensure_pg_db(&base, &name, None);
            format!("{base}/{name}").into()
        }
    }
}

fn pg_name(db: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    db.hash(&mut h);
    format!("t{:016x}", h.finish())
}

/// Runs `sql` on the test server's `postgres` database, on a thread of its own: the
/// `postgres` driver must not block a thread that runs async tests.
fn pg_admin<T: Send>(base: &str, work: impl FnOnce(&mut postgres::Client) -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut client =
                postgres::Client::connect(&format!("{base}/postgres"), postgres::NoTls)
                    .expect("connect to the test PostgreSQL");
            work(&mut client)
        })
        .join()
        .expect("the test PostgreSQL")
    })
}

/// Creates the database `name` (as a copy of `template`) unless it exists.
fn ensure_pg_db(base: &str, name: &str, template: Option<&str>) {
    pg_admin(base, |admin| create_pg_db(admin, name, template));
}

fn create_pg_db(admin: &mut postgres::Client, name: &str, template: Option<&str>) {
    let exists = admin
        .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
        .expect("list databases")
        .is_some();
    if exists {
        return;
    }
    let sql = match template {
        None => format!("CREATE DATABASE {name}"),
        Some(t) => {
            // A template must have no other session: the fixture's own are closing.
            admin
                .execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1",
                    &[&t],
                )
                .expect("end the template's sessions");
            format!("CREATE DATABASE {name} TEMPLATE {t} STRATEGY FILE_COPY")
        }
    };
    admin.batch_execute(&sql).expect("create the test database");
}

/// The database a test's path names, opened through the server's own storage layer.
pub fn open_db(db: &Path) -> Db {
    match pg_base() {
        None => Db::open(db).expect("open db"),
        Some(_) => Db::connect(&db_arg(db).to_string_lossy()).expect("connect db"),
    }
}

/// Runs the binary with `args` on `db`; returns stdout, panics with stderr on failure.
pub fn cli(db: &Path, args: &[&str]) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db_arg(db))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run switchboard-server");
    assert!(
        out.status.success(),
        "switchboard-server {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 stdout")
}

/// Runs the binary with `args` on `db` and expects a refusal: a non-zero exit, nothing on
/// stdout (what a script reads), `needle` in stderr. Returns stderr.
pub fn cli_refused(db: &Path, args: &[&str], needle: &str) -> String {
    let out = Command::new(BIN)
        .arg("--db")
        .arg(db_arg(db))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run switchboard-server");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "{args:?} was accepted");
    assert!(out.stdout.is_empty(), "{args:?} printed {:?}", out.stdout);
    assert!(stderr.contains(needle), "{args:?}: {stderr}");
    stderr
}

/// A running server; killed when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn start(db: &Path) -> Self {
        Self::start_with(db, &[])
    }

    /// Starts `serve` with extra options (`--keep-changes`, `--max-file-mb 1`, …).
    pub fn start_with(db: &Path, extra: &[&str]) -> Self {
        Self::start_with_env(db, extra, &[])
    }

    /// [`Self::start_with`] with extra environment variables.
    pub fn start_with_env(db: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        // SWITCHBOARD_TEST_LOG_DIR keeps every server's log after its test (to read a failure).
        let log = match std::env::var_os("SWITCHBOARD_TEST_LOG_DIR") {
            Some(dir) => Path::new(&dir).join(format!("{}.log", pg_name(db))),
            None => db.with_extension("log"),
        };
        // On PostgreSQL the files go where they would beside the SQLite file.
        let mut files = db.as_os_str().to_owned();
        files.push(".files");
        let mut args: Vec<std::ffi::OsString> = extra.iter().map(Into::into).collect();
        if on_postgres() && !extra.iter().any(|a| a.starts_with("--files")) {
            args.extend(["--files".into(), files]);
        }
        Self::start_on(&db_arg(db), &log, &args, env)
    }

    /// `serve` on the database `--db` names as given (a file even when the suite runs on
    /// PostgreSQL), logging to `log`.
    pub fn start_on(
        db: &std::ffi::OsStr,
        log: &Path,
        extra: &[std::ffi::OsString],
        env: &[(&str, &str)],
    ) -> Self {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let mut child = Command::new(BIN)
            .arg("--db")
            .arg(db)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .envs(env.iter().copied())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("spawn server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read listening line");
        let url = line
            .trim()
            .strip_prefix("switchboard-server listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(PASSWORD).expect("hash"))
}

pub const PASSWORD: &str = "pw";

/// The fixture company "Acme" (and a second company "Other"), with the server running.
pub struct Fx {
    pub _dir: tempfile::TempDir,
    pub db_path: PathBuf,
    pub server: Server,
    pub http: reqwest::Client,
    /// API token of Acme (from `token create`).
    pub api: String,
    pub admin: Id,
    pub g1: Id,
    pub g2: Id,
    /// In 1st line.
    pub anna: Id,
    pub bob: Id,
    /// 1st line, Supervisor role (All and Blacklist tabs).
    pub sue: Id,
    /// In 2nd line.
    pub dave: Id,
    /// In no group.
    pub olga: Id,
    pub tg: Id,
    pub mail: Id,
    /// Unassigned conversations of the 1st line (telegram).
    pub c1: Id,
    pub c2: Id,
    pub c3: Id,
    /// Unassigned conversations of the 2nd line (email).
    pub c4: Id,
    pub c5: Id,
    /// Client pinned to bob (no conversation yet) and a blacklisted client's conversation.
    pub pinned_external_id: String,
    pub blacklisted_conv: Id,
    /// Another company's conversation and its admin's session token.
    pub other_conv: Id,
    pub other_admin_token: String,
    /// The test's own handle on the database, opened once (on PostgreSQL a pool).
    db: OnceLock<Db>,
}

/// Session token of an operator in the fixture (inserted directly, to spare argon2 logins).
pub fn session(op: Id) -> String {
    format!("sbs_fixture_{op}")
}

pub fn inbound(
    db: &Db,
    channel: Id,
    secret: &str,
    external_id: &str,
    name: &str,
    text: &str,
) -> (Id, Id) {
    let msg = InboundMessage {
        external_id: external_id.into(),
        name: name.into(),
        text: text.into(),
        attachment: None,
        contact: None,
    };
    let acc = db
        .write_blocking(|ctx| ingest_in(ctx, channel, Some(secret), &msg))
        .expect("ingest");
    (acc.client_id, acc.conversation_id)
}

/// Ids of the fixture, the same in every copy of the template database.
#[derive(Debug, Clone)]
struct Ids {
    api: String,
    admin: Id,
    other_admin: Id,
    g1: Id,
    g2: Id,
    anna: Id,
    bob: Id,
    sue: Id,
    dave: Id,
    olga: Id,
    tg: Id,
    mail: Id,
    c: [Id; 5],
    blacklisted_conv: Id,
    other_conv: Id,
}

struct Template {
    path: PathBuf,
    ids: Ids,
}

/// Builds the fixture database once per test binary (argon2 in a debug build is slow), under
/// cargo's per-target temp dir; every test then works on its own copy.
fn template() -> &'static Template {
    static TEMPLATE: OnceLock<Template> = OnceLock::new();
    TEMPLATE.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("fixture-{}", env!("CARGO_CRATE_NAME")));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("template.db");
        if let Some(base) = pg_base() {
            // A database left by an earlier run of this binary.
            pg_admin(&base, |admin| {
                admin
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        pg_name(&path)
                    ))
                    .expect("drop the old template");
            });
        }
        let ids = build_fixture(&path);
        Template { path, ids }
    })
}

fn build_fixture(db_path: &Path) -> Ids {
    cli(
        db_path,
        &[
            "init",
            "--company",
            "Acme",
            "--email",
            "boss@acme.test",
            "--password",
            PASSWORD,
        ],
    );
    cli(
        db_path,
        &[
            "init",
            "--company",
            "Other",
            "--email",
            "boss@other.test",
            "--password",
            PASSWORD,
        ],
    );
    let api = cli(db_path, &["token", "create", "--name", "tests"])
        .trim()
        .to_string();
    let db = open_db(db_path);
    let hash = password_hash();
    let ids = db
        .write_blocking(|ctx| {
            let tx = ctx.tx;
            let now = now_ms();
            let admin = operators::by_email(tx, "boss@acme.test")?.expect("admin").0;
            let company = admin.company_id;
            let other_admin = operators::by_email(tx, "boss@other.test")?
                .expect("other")
                .0;
            let op_role = roles::insert(tx, company, "Operator", &Permissions::default())?;
            let sup_role = roles::insert(
                tx,
                company,
                "Supervisor",
                &Permissions {
                    conversations_management: true,
                    show_all_tab: true,
                    ..Permissions::default()
                },
            )?;
            let g1 = groups::insert(tx, company, "1st line", "#3b82f6")?;
            let g2 = groups::insert(tx, company, "2nd line", "#f97316")?;
            let add = |name: &str,
                       email: &str,
                       role: Id,
                       group: Option<Id>|
             -> switchboard_server::storage::sql::Result<Id> {
                let id = operators::insert(
                    tx,
                    &NewOperator {
                        company_id: company,
                        name,
                        email,
                        password_hash: hash,
                        super_admin: false,
                        role_id: Some(role),
                    },
                    now,
                )?;
                if let Some(g) = group {
                    operators::add_to_group(tx, id, g)?;
                }
                tokens::insert_session(tx, id, &token_hash(&session(id)), now)?;
                Ok(id)
            };
            let anna = add("Anna", "anna@acme.test", op_role, Some(g1))?;
            let bob = add("Bob", "bob@acme.test", op_role, Some(g1))?;
            let sue = add("Sue", "sue@acme.test", sup_role, Some(g1))?;
            let dave = add("Dave", "dave@acme.test", op_role, Some(g2))?;
            let olga = add("Olga", "olga@acme.test", op_role, None)?;
            tokens::insert_session(
                tx,
                admin.operator.id,
                &token_hash(&session(admin.operator.id)),
                now,
            )?;
            tokens::insert_session(
                tx,
                other_admin.operator.id,
                &token_hash(&session(other_admin.operator.id)),
                now,
            )?;
            let tg = channels::insert(
                tx,
                company,
                ChannelKind::Telegram,
                "bot",
                Some(g1),
                Some("tg-secret"),
                now,
            )?;
            let mail = channels::insert(
                tx,
                company,
                ChannelKind::Email,
                "mail",
                Some(g2),
                Some("mail-secret"),
                now,
            )?;
            let other_ch = channels::insert(
                tx,
                other_admin.company_id,
                ChannelKind::Custom,
                "o",
                None,
                Some("other-secret"),
                now,
            )?;
            // A client pinned to bob who has not written yet.
            let pinned =
                clients::insert(tx, company, tg, PINNED_EXTERNAL_ID, "Pinned Client", now)?;
            clients::set_pinned_operator(tx, pinned, Some(bob))?;
            Ok((
                admin.operator.id,
                other_admin.operator.id,
                g1,
                g2,
                anna,
                bob,
                sue,
                dave,
                olga,
                tg,
                mail,
                other_ch,
            ))
        })
        .expect("fixture");
    let (admin, other_admin, g1, g2, anna, bob, sue, dave, olga, tg, mail, other_ch) = ids;
    let (_, c1) = inbound(
        &db,
        tg,
        "tg-secret",
        "t1",
        "Tom",
        "Hello, where is my order?",
    );
    let (_, c2) = inbound(&db, tg, "tg-secret", "t2", "Tina", "Привет! Нужна помощь.");
    let (_, c3) = inbound(&db, tg, "tg-secret", "t3", "Theo", "Hola, ¿qué tal?");
    let (_, c4) = inbound(
        &db,
        mail,
        "mail-secret",
        "m4@x.test",
        "Mia",
        "Invoice question",
    );
    let (_, c5) = inbound(
        &db,
        mail,
        "mail-secret",
        "m5@x.test",
        "Max",
        "Technical issue",
    );
    let (bl_client, blacklisted_conv) =
        inbound(&db, tg, "tg-secret", "spam", "Spammer", "Buy now!!!");
    db.write_blocking(|ctx| Ok(clients::set_blacklisted(ctx.tx, bl_client, true)?))
        .expect("blacklist");
    let (_, other_conv) = inbound(
        &db,
        other_ch,
        "other-secret",
        "o1",
        "Oscar",
        "Other company's client",
    );
    // Closing the last connection folds the WAL into the main file, so a plain copy is whole.
    drop(db);
    Ids {
        api,
        admin,
        other_admin,
        g1,
        g2,
        anna,
        bob,
        sue,
        dave,
        olga,
        tg,
        mail,
        c: [c1, c2, c3, c4, c5],
        blacklisted_conv,
        other_conv,
    }
}

pub const PINNED_EXTERNAL_ID: &str = "pinned-1";

impl Drop for Fx {
    /// On PostgreSQL the test's database goes with it (the cluster outlives the tests).
    fn drop(&mut self) {
        if let Some(base) = pg_base() {
            let _ = self.server.child.kill();
            let _ = self.server.child.wait();
            let name = pg_name(&self.db_path);
            pg_admin(&base, |admin| {
                let _ =
                    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            });
        }
    }
}

impl Fx {
    pub fn new() -> Self {
        Self::with_server_args(&[])
    }

    /// The fixture with `serve` started with extra options.
    pub fn with_server_args(extra: &[&str]) -> Self {
        Self::with_server_env(extra, &[])
    }

    /// The fixture with `serve` started with extra options and environment variables.
    pub fn with_server_env(extra: &[&str], env: &[(&str, &str)]) -> Self {
        let t = template();
        let dir = tempfile::tempdir().expect("tempdir");
        let db_path = dir.path().join("data").join("sb.db");
        std::fs::create_dir_all(db_path.parent().expect("parent")).expect("mkdir");
        if let Some(base) = pg_base() {
            ensure_pg_db(&base, &pg_name(&db_path), Some(&pg_name(&t.path)));
        } else {
            std::fs::copy(&t.path, &db_path).expect("copy template");
            let wal = t.path.with_extension("db-wal");
            if wal.exists() {
                std::fs::copy(&wal, db_path.with_extension("db-wal")).expect("copy wal");
            }
        }
        let ids = t.ids.clone();
        let server = Server::start_with_env(&db_path, extra, env);
        Fx {
            _dir: dir,
            db_path,
            server,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .expect("http client"),
            api: ids.api,
            admin: ids.admin,
            g1: ids.g1,
            g2: ids.g2,
            anna: ids.anna,
            bob: ids.bob,
            sue: ids.sue,
            dave: ids.dave,
            olga: ids.olga,
            tg: ids.tg,
            mail: ids.mail,
            c1: ids.c[0],
            c2: ids.c[1],
            c3: ids.c[2],
            c4: ids.c[3],
            c5: ids.c[4],
            pinned_external_id: PINNED_EXTERNAL_ID.into(),
            blacklisted_conv: ids.blacklisted_conv,
            other_conv: ids.other_conv,
            other_admin_token: session(ids.other_admin),
            db: OnceLock::new(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.url, path)
    }

    /// Opens the database beside the running server (WAL allows concurrent readers).
    pub fn db(&self) -> Db {
        self.db.get_or_init(|| open_db(&self.db_path)).clone()
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(self.url(path))
            .header("Authentication", token)
            .send()
            .await
            .expect("GET");
        decode(resp).await
    }

    /// Any method with the bearer `token` and an optional JSON body.
    pub async fn call(
        &self,
        token: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self
            .http
            .request(method, self.url(path))
            .header("Authorization", format!("Bearer {token}"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        decode(req.send().await.expect("request")).await
    }

    pub async fn post_json(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .header("Authorization", format!("Bearer {token}"))
            .json(&body)
            .send()
            .await
            .expect("POST json");
        decode(resp).await
    }

    pub async fn post_form(
        &self,
        token: &str,
        path: &str,
        form: &[(&str, String)],
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .header("Authentication", token)
            .form(form)
            .send()
            .await
            .expect("POST form");
        decode(resp).await
    }

    pub async fn post_raw(
        &self,
        token: &str,
        path: &str,
        content_type: &str,
        body: &str,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(path))
            .header("Authentication", token)
            .header("Content-Type", content_type)
            .body(body.to_string())
            .send()
            .await
            .expect("POST raw");
        decode(resp).await
    }

    /// The events WebSocket of `token`, replaying after `after`.
    pub async fn events(&self, token: &str, after: i64) -> Ws {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let url = format!(
            "{}/api/v1/events?after={after}",
            self.server.url.replace("http://", "ws://")
        );
        let mut req = url.into_client_request().expect("request");
        req.headers_mut().insert(
            "Authorization",
            format!("Bearer {token}").parse().expect("header"),
        );
        let (ws, _) = tokio_tungstenite::connect_async(req)
            .await
            .expect("connect");
        ws
    }

    /// A WhatsApp account on the 1st line, and a role with `outgoing_whatsapp` for `operators`.
    pub fn whatsapp_channel(&self, operators: &[Id]) -> Id {
        self.db()
            .write_blocking(|ctx| {
                let company: Id = ctx.tx.query_row(
                    "SELECT company_id FROM operators WHERE id = ?1",
                    [self.anna],
                    |r| r.get(0),
                )?;
                let wa = channels::insert(
                    ctx.tx,
                    company,
                    ChannelKind::Whatsapp,
                    "+1 555 0100",
                    Some(self.g1),
                    Some("wa"),
                    0,
                )?;
                let role = roles::insert(
                    ctx.tx,
                    company,
                    "Sales",
                    &Permissions {
                        outgoing_whatsapp: true,
                        ..Permissions::default()
                    },
                )?;
                for op in operators {
                    ctx.tx.execute(
                        "UPDATE operators SET role_id = ?1 WHERE id = ?2",
                        [role, *op],
                    )?;
                }
                Ok(wa)
            })
            .expect("whatsapp setup")
    }

    /// The OpenAPI document the server serves.
    pub async fn openapi(&self) -> Value {
        let resp = self
            .http
            .get(self.url("/api/openapi.json"))
            .send()
            .await
            .expect("openapi");
        assert_eq!(resp.status(), StatusCode::OK);
        resp.json().await.expect("json")
    }

    /// Sends an operator message or a note (`kind`) to `conv`; the stored message.
    pub async fn send_message(&self, token: &str, conv: Id, kind: &str, text: &str) -> Value {
        let got = self
            .post_json(
                token,
                &format!("/api/v1/conversations/{conv}/messages"),
                serde_json::json!({"client_msg_id": format!("{kind}-{text}"), "kind": kind, "text": text}),
            )
            .await;
        assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
        got.1
    }

    /// Puts conversation `c` into `op`'s inbox (through the seed API).
    pub async fn start_for(&self, c: i64, op: i64) {
        let r = self
            .post_form(
                &self.api,
                "/api/conversations/start",
                &[
                    ("conversation_id", c.to_string()),
                    ("operator_id", op.to_string()),
                ],
            )
            .await;
        assert_eq!(r.0, StatusCode::OK, "{}", r.1);
    }

    /// Uploads `body` as the file `name` into conversation `c`.
    pub async fn upload(
        &self,
        token: &str,
        c: i64,
        cmid: &str,
        name: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(&format!(
                "/api/v1/conversations/{c}/attachments?client_msg_id={cmid}"
            )))
            .header("Authorization", format!("Bearer {token}"))
            .header("X-File-Name", name)
            .header("Content-Type", "application/octet-stream")
            .body(body)
            .send()
            .await
            .expect("upload");
        decode(resp).await
    }

    /// Downloads attachment `id`.
    pub async fn download(&self, token: &str, id: &Value) -> reqwest::Response {
        self.http
            .get(self.url(&format!("/api/v1/attachments/{id}")))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await
            .expect("download")
    }

    /// Seed `/get` as the API token: the conversation's `data`.
    pub async fn seed_get(&self, id: Id) -> Value {
        let (st, body) = self
            .get(
                &self.api,
                &format!("/api/conversations/get?conversation_id={id}"),
            )
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        body["data"].clone()
    }

    pub async fn inbound(
        &self,
        channel: Id,
        secret: &str,
        external_id: &str,
        text: &str,
    ) -> (StatusCode, Value) {
        let resp = self
            .http
            .post(self.url(&format!("/api/v1/channels/{channel}/inbound")))
            .header("X-Channel-Secret", secret)
            .json(
                &serde_json::json!({"external_id": external_id, "name": external_id, "text": text}),
            )
            .send()
            .await
            .expect("inbound");
        decode(resp).await
    }
}

/// Regular files under `dir` (recursively); none when it does not exist.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                files_under(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

/// Polls `check` until it holds (the deadline only bounds a broken run).
pub async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for: {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Status and JSON body (`Value::Null` for an empty body); panics on a non-JSON body, since
/// every answer of the server must be JSON.
pub async fn decode(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("body");
    if text.is_empty() {
        return (status, Value::Null);
    }
    let value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("non-JSON body ({status}): {text:?}: {e}"));
    (status, value)
}

/// Asserts an error answer: status, code, and that the message mentions `needle`.
pub fn assert_error(got: &(StatusCode, Value), status: StatusCode, code: &str, needle: &str) {
    assert_eq!(got.0, status, "body: {}", got.1);
    assert_eq!(got.1["error"]["code"], code, "body: {}", got.1);
    let msg = got.1["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains(needle), "message {msg:?} lacks {needle:?}");
}
