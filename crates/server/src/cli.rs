//! The command line: `init`, `token create|list|revoke`, `channel add|list`, `operator
//! add|list|deactivate|reactivate`, `group add`, `role add`, `demo` and `serve`, all on one
//! `--db` file.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Extension;
use clap::{Parser, Subcommand};
use ipnet::IpNet;
use switchboard_protocol::ChannelKind;

use crate::auth::{PasswordGate, SessionLifetime};
use crate::channels::livechat::{self, config::WidgetChanges};
use crate::channels::{AdapterSettings, ChannelOptions};
use crate::files::FileStore;
use crate::http::client_ip::{parse_trusted_proxy, TrustedProxies};
use crate::http::{router, AppState};
use crate::hub::Hub;
use crate::mail::transcript::utc;
use crate::mail::Mailer;
use crate::service::admin::{self, ChannelSpec, Revoke};
use crate::service::delivery::WorkerSettings;
use crate::service::directory::{self, OperatorSpec};
use crate::storage::{Db, Location};
use crate::throttle::AttemptLimiter;

#[derive(Debug, Parser)]
#[command(
    name = "switchboard-server",
    version,
    about = "Switchboard server: seed Conversation API, app API, sync and events"
)]
pub struct Cli {
    /// SQLite database file (created with its folders if missing), or a PostgreSQL database
    /// `postgres://user:password@host:port/dbname` (migrated on start).
    #[arg(long, env = "SWITCHBOARD_DB", global = true, value_parser = parse_db)]
    pub db: Option<Location>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a company and its super-admin.
    Init {
        #[arg(long)]
        company: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
    },
    /// API tokens for the seed Conversation API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Channel accounts: where clients write from and answers go to.
    Channel {
        #[command(subcommand)]
        command: ChannelCommand,
    },
    /// Operators of a company.
    Operator {
        #[command(subcommand)]
        command: OperatorCommand,
    },
    /// Operator groups ("1st line", "Billing" …).
    Group {
        #[command(subcommand)]
        command: GroupCommand,
    },
    /// Roles: named permission sets given to operators.
    Role {
        #[command(subcommand)]
        command: RoleCommand,
    },
    /// Load a demo company (idempotent) and print its credentials.
    Demo {
        /// Also add one conversation with this many messages to the admin's My inbox (in one
        /// transaction; idempotent per count), to try a very long thread.
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        long_history: Option<u32>,
    },
    /// Copy a SQLite database into an empty PostgreSQL database (both brought to this
    /// version's schema first), then check every table's row count and SHA-256 digest.
    Migrate {
        /// The SQLite database file to copy (read only).
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The PostgreSQL database to copy into: postgres://user:password@host:port/dbname.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Serve HTTP and WebSocket.
    Serve {
        /// Address to listen on; port 0 picks a free port.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
        /// Keep only the newest N change records per company (default: keep all). Apps that
        /// were offline past the pruned records rebuild from a snapshot.
        #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
        keep_changes: Option<u64>,
        /// Seconds between two pruning rounds (with --keep-changes).
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
        prune_every_secs: u64,
        /// Largest accepted attachment, in MiB.
        #[arg(long, default_value_t = 25)]
        max_file_mb: u64,
        /// Where attachments are stored: a directory (default: `<db>.files` beside the
        /// database) or `s3://bucket/prefix`, an S3-compatible store configured by the standard
        /// `AWS_*` variables, which several instances share.
        #[arg(long, value_name = "DIR|s3://BUCKET/PREFIX")]
        files: Option<String>,
        /// Let `send-file-message` fetch from loopback and private addresses (tests, intranets).
        #[arg(long)]
        allow_private_fetch: bool,
        /// A reverse proxy (CIDR or address) whose `X-Forwarded-For` names the client in the
        /// action log and the login limiter; repeatable. Without it the TCP peer is the client.
        #[arg(long = "trusted-proxy", value_name = "CIDR", value_parser = parse_trusted_proxy)]
        trusted_proxy: Vec<IpNet>,
        /// Connect and read timeout of `send-file-message` fetches, in seconds.
        #[arg(long, default_value_t = 30)]
        fetch_timeout_secs: u64,
        /// SMTP server for "Send to Email": smtp://host:port (plain), smtp://host?tls=required
        /// (STARTTLS) or smtps://user:password@host (TLS). Without it sending by email is off.
        #[arg(long, env = "SWITCHBOARD_SMTP_URL", requires = "mail_from")]
        smtp_url: Option<String>,
        /// Sender of "Send to Email" mails, e.g. "Switchboard <desk@example.com>".
        #[arg(long)]
        mail_from: Option<String>,
        /// Connect and answer timeout of the SMTP server, in seconds; a whole exchange is
        /// bounded by twice this (the default stays below the app's 30 s request timeout).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
        smtp_timeout_secs: u64,
        /// A directory with the desktop app's releases (`latest.json`, Tauri's updater
        /// manifest, and the bundles it names): operators' desks update from this server.
        #[arg(long, value_name = "DIR")]
        updates_dir: Option<PathBuf>,
        /// Serve Prometheus metrics at `/metrics` to a scraper that sends this bearer token
        /// (at least 16 characters); without it nobody reads them.
        #[arg(long, env = "SWITCHBOARD_METRICS_TOKEN", hide_env_values = true, value_parser = parse_metrics_token)]
        metrics_token: Option<String>,
        #[command(flatten)]
        delivery: DeliveryArgs,
        #[command(flatten)]
        sessions: SessionArgs,
    },
}

// Parsed once per process: the size of the `Add` variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum ChannelCommand {
    /// Add a channel; prints its id, then its inbound secret, each alone on a line of stdout.
    Add {
        /// Channel kind: custom, telegram, email or livechat.
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
        /// Custom app: operator answers are POSTed here, signed with the secret.
        #[arg(long)]
        callback_url: Option<String>,
        /// Telegram: the bot's token (from @BotFather).
        #[arg(long)]
        bot_token: Option<String>,
        /// Telegram: the Bot API's base URL (default: the public one; a self-hosted Bot API
        /// server works).
        #[arg(long)]
        api_url: Option<String>,
        /// Telegram: this server's public base URL, e.g. https://desk.example.com; Telegram then
        /// POSTs updates to <URL>/api/v1/channels/{id}/telegram (setWebhook) instead of the
        /// server polling getUpdates.
        #[arg(long)]
        webhook_url: Option<String>,
        /// Email: the mailbox's address, e.g. "Support <support@example.com>".
        #[arg(long)]
        address: Option<String>,
        /// Email: imaps://user:pass@host[:port] (TLS) or imap://… (STARTTLS).
        #[arg(long)]
        imap_url: Option<String>,
        /// Email: smtps://user:pass@host[:port] (TLS) or smtp://… (STARTTLS when offered).
        #[arg(long)]
        smtp_url: Option<String>,
        /// LiveChat: origin of a page that may embed the widget, e.g. https://shop.example.com
        /// (repeat for several).
        #[arg(long = "origin")]
        origins: Vec<String>,
        /// Group (id or name) the channel's conversations start in.
        #[arg(long)]
        group: Option<String>,
        /// Company of the channel (default: the first one).
        #[arg(long)]
        company_id: Option<i64>,
        /// LiveChat: the server's address as visitors' browsers reach it, for the printed
        /// `<script>` snippet.
        #[arg(long, env = "SWITCHBOARD_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
        public_url: String,
    },
    /// List channels (never their secrets).
    List,
    /// Change a LiveChat channel's widget (Tab: Widget); prints the settings now in force.
    Widget {
        /// The channel's id.
        #[arg(long)]
        id: i64,
        /// Colour of the button and the header, #rrggbb.
        #[arg(long)]
        color: Option<String>,
        /// First line the visitor reads while an operator is online.
        #[arg(long)]
        greeting: Option<String>,
        /// Corner of the page: left or right.
        #[arg(long)]
        position: Option<String>,
        /// Shown instead of the greeting while no operator has the app open.
        #[arg(long)]
        offline_message: Option<String>,
        /// Replaces the allowed origins (repeat for several).
        #[arg(long = "origin")]
        origins: Vec<String>,
    },
}

/// Where `serve` listens by default, for the widget snippet.
const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// How operator messages are delivered to the channels (`serve`).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct DeliveryArgs {
    /// Let channel callbacks and webhooks reach loopback and private addresses (tests,
    /// intranets).
    #[arg(long)]
    allow_private_callbacks: bool,
    /// Longest pause between two delivery attempts, in seconds (the pause doubles from 1 s).
    #[arg(long, default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    delivery_backoff_max_secs: u64,
    /// Connect and answer timeout of one delivery attempt, in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    delivery_timeout_secs: u64,
}

impl From<DeliveryArgs> for WorkerSettings {
    fn from(a: DeliveryArgs) -> Self {
        WorkerSettings {
            adapters: AdapterSettings {
                allow_private: a.allow_private_callbacks,
                timeout: Duration::from_secs(a.delivery_timeout_secs),
            },
            backoff_max: Duration::from_secs(a.delivery_backoff_max_secs),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Add an operator; prints their id, then the one-time password when none was given, each
    /// alone on a line of stdout.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Their password (default: a one-time password is made and printed).
        #[arg(long)]
        password: Option<String>,
        /// Role (id or name).
        #[arg(long)]
        role: Option<String>,
        /// Group (id or name); repeat for several.
        #[arg(long = "group")]
        groups: Vec<String>,
        /// Company (default: the first one).
        #[arg(long)]
        company_id: Option<i64>,
    },
    /// List operators.
    List {
        /// Company (default: the first one).
        #[arg(long)]
        company_id: Option<i64>,
    },
    /// Deactivate an operator: every session ends at once and they can no longer sign in.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Let a deactivated operator sign in again.
    Reactivate {
        #[arg(long)]
        email: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// Add a group; prints its id alone on stdout.
    Add {
        name: String,
        /// Colour of the group's badge, like #3b82f6.
        #[arg(long)]
        color: Option<String>,
        /// Company (default: the first one).
        #[arg(long)]
        company_id: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RoleCommand {
    /// Add a role; prints its id alone on stdout.
    Add {
        name: String,
        /// A permission of the role (conversations_management, show_all_tab,
        /// manage_operators, manage_settings, view_analytics, outgoing_whatsapp,
        /// view_action_log, download_conversations); repeat for several.
        #[arg(long = "permission")]
        permissions: Vec<String>,
        /// Company (default: the first one).
        #[arg(long)]
        company_id: Option<i64>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it alone on stdout.
    Create {
        #[arg(long)]
        name: String,
        /// Company the token belongs to (default: the first one).
        #[arg(long)]
        company_id: Option<i64>,
    },
    /// List API tokens and live app sessions (give the lifetimes `serve` runs with).
    List {
        #[command(flatten)]
        sessions: SessionArgs,
    },
    /// Revoke an API token (by id), a session (by the id `token list` shows) or every session
    /// of an operator (by email).
    #[command(group(clap::ArgGroup::new("what").required(true)))]
    Revoke {
        /// API token id.
        #[arg(long, group = "what")]
        id: Option<i64>,
        /// Session id (the start of its hash, from `token list`).
        #[arg(long, group = "what")]
        session: Option<String>,
        /// Log this operator out everywhere.
        #[arg(long, group = "what")]
        operator: Option<String>,
    },
}

/// How long app sessions live (`serve`, and `token list` to tell which are live).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct SessionArgs {
    /// An app session ends after this long unused (the app's use slides it): 90s, 30m, 12h,
    /// 7d.
    #[arg(long, default_value = "7d", value_parser = parse_duration)]
    session_idle: Duration,
    /// An app session ends this long after login, used or not; then the app asks to sign in
    /// again.
    #[arg(long, default_value = "30d", value_parser = parse_duration)]
    session_max: Duration,
}

impl From<SessionArgs> for SessionLifetime {
    fn from(a: SessionArgs) -> Self {
        SessionLifetime {
            idle: a.session_idle,
            absolute: a.session_max,
        }
    }
}

/// A duration like `90s`, `30m`, `12h` or `7d` (at least one second).
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.char_indices().last().map_or(0, |(i, _)| i);
    let (number, unit) = s.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 90s, 30m, 12h or 7d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        "d" => n.saturating_mul(86_400),
        _ => return Err(format!("{s:?} needs a unit: s, m, h or d")),
    };
    if secs == 0 {
        return Err("a duration must be at least 1s".into());
    }
    Ok(Duration::from_secs(secs))
}

/// `--db`: a SQLite file. A value that is a URL (`scheme://…`) is refused by name rather than
/// taken for a file name: `postgres://…` would otherwise quietly become a new, empty SQLite
/// file in the working directory, and the operators would find their company gone.
fn parse_db(value: &str) -> Result<Location, String> {
    let scheme = value.split_once("://").map(|(s, _)| s).filter(|s| {
        s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    match scheme {
        Some("postgres" | "postgresql") => {
            crate::storage::postgres::config(value).map_err(|e| e.to_string())?;
            Ok(Location::Postgres(value.to_owned()))
        }
        Some(scheme) => Err(format!(
            "`{scheme}://` databases are not supported: --db takes the path of a SQLite file \
             or a postgres:// URL"
        )),
        None if value.is_empty() => {
            Err("--db needs the path of a SQLite file or a postgres:// URL".into())
        }
        None => Ok(Location::Sqlite(PathBuf::from(value))),
    }
}

/// `migrate`: the copy and what it checked, one line per table.
fn migrate(from: &Path, to: &str) -> anyhow::Result<()> {
    let target = parse_db(to).map_err(anyhow::Error::msg)?;
    let Location::Postgres(url) = &target else {
        anyhow::bail!("--to takes a postgres:// URL");
    };
    let copied = crate::storage::transfer::sqlite_to_postgres(from, url)?;
    let mut out = std::io::stdout().lock();
    let rows: u64 = copied.iter().map(|c| c.rows).sum();
    for c in &copied {
        writeln!(
            out,
            "  {:<32} {:>10} rows  sha256 {}",
            c.table,
            c.rows,
            &c.digest[..16]
        )?;
    }
    writeln!(
        out,
        "Copied {} tables ({rows} rows) from {} to {target}; row counts and SHA-256 digests are equal in every table.",
        copied.len(),
        from.display()
    )?;
    out.flush()?;
    Ok(())
}

/// `--metrics-token`: long enough not to be guessed by a scraper of the public address.
fn parse_metrics_token(value: &str) -> Result<String, String> {
    if value.chars().count() < 16 || value.chars().any(char::is_whitespace) {
        return Err("the metrics token must be at least 16 characters, without spaces".into());
    }
    Ok(value.to_string())
}

/// Wrong channel secrets per channel and IP allowed in [`INBOUND_WINDOW`].
const INBOUND_MAX_FAILURES: usize = 20;
const INBOUND_WINDOW: Duration = Duration::from_secs(60);
/// Most keys each limiter holds: a few MiB at worst.
const LIMITER_CAPACITY: usize = 100_000;

pub fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Migrate { from, to } = &cli.command {
        return migrate(from, to);
    }
    let path = cli
        .db
        .context("no database given: pass --db FILE or set SWITCHBOARD_DB")?;
    match cli.command {
        // Run above: it names its two databases itself.
        Command::Migrate { .. } => {}
        Command::Init {
            company,
            email,
            password,
        } => {
            let db = Db::open_at(&path)?;
            let out = admin::init_company(&db, &company, &email, &password)?;
            println!(
                "Created company {company:?} (id {}) with super-admin {email} (operator id {}).",
                out.company_id, out.admin_id
            );
        }
        Command::Token {
            command: TokenCommand::Create { name, company_id },
        } => {
            let db = Db::open_at(&path)?;
            let token = admin::create_api_token(&db, &name, company_id)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{token}")?;
            out.flush()?;
        }
        Command::Token {
            command: TokenCommand::List { sessions },
        } => {
            let db = Db::open_at(&path)?;
            print_tokens(&admin::list_tokens(&db, &sessions.into())?)?;
        }
        Command::Token {
            command:
                TokenCommand::Revoke {
                    id,
                    session,
                    operator,
                },
        } => {
            let what = match (id, session, operator) {
                (Some(id), _, _) => Revoke::ApiToken(id),
                (_, Some(s), _) => Revoke::Session(s),
                (_, _, Some(email)) => Revoke::SessionsOf(email),
                // clap requires one of the three.
                (None, None, None) => {
                    anyhow::bail!("say what to revoke: --id, --session or --operator")
                }
            };
            let n = admin::revoke_tokens(&Db::open_at(&path)?, &what)?;
            println!("Revoked {n} token(s).");
        }
        Command::Channel {
            command:
                ChannelCommand::Add {
                    kind,
                    name,
                    callback_url,
                    bot_token,
                    api_url,
                    webhook_url,
                    address,
                    imap_url,
                    smtp_url,
                    origins,
                    group,
                    company_id,
                    public_url,
                },
        } => {
            let kind = ChannelKind::parse(&kind).with_context(|| {
                format!("unknown channel kind {kind:?}; use custom, telegram, email or livechat")
            })?;
            let spec = ChannelSpec {
                kind,
                name,
                options: ChannelOptions {
                    callback_url,
                    bot_token,
                    api_url,
                    webhook_url,
                    address,
                    imap_url,
                    smtp_url,
                    origins,
                },
                group,
                company_id,
            };
            let made = admin::add_channel(&Db::open_at(&path)?, &spec)?;
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", made.id)?;
            if kind == ChannelKind::Livechat {
                // Browsers never see the inbound secret; the site needs the snippet.
                writeln!(out, "{}", livechat::snippet(&public_url, made.id))?;
            } else {
                writeln!(out, "{}", made.secret)?;
            }
            out.flush()?;
        }
        Command::Operator { command } => run_operator(&Db::open_at(&path)?, command)?,
        Command::Group {
            command:
                GroupCommand::Add {
                    name,
                    color,
                    company_id,
                },
        } => {
            let group =
                directory::add_group(&Db::open_at(&path)?, company_id, &name, color.as_deref())?;
            print_lines(&[group.id.to_string()])?;
        }
        Command::Role {
            command:
                RoleCommand::Add {
                    name,
                    permissions,
                    company_id,
                },
        } => {
            let role = directory::add_role(&Db::open_at(&path)?, company_id, &name, &permissions)?;
            print_lines(&[role.id.to_string()])?;
        }
        Command::Channel {
            command:
                ChannelCommand::Widget {
                    id,
                    color,
                    greeting,
                    position,
                    offline_message,
                    origins,
                },
        } => {
            let changes = WidgetChanges {
                color,
                greeting,
                position,
                offline_message,
                origins,
            };
            let c = livechat::update_widget(&Db::open_at(&path)?, id, &changes)?;
            let w = &c.widget;
            println!(
                "Widget of channel {id}: colour {}, position {}, greeting {:?}, offline message {:?}, origins {}",
                w.color,
                serde_json::to_value(w.position).unwrap_or_default().as_str().unwrap_or_default(),
                w.greeting,
                w.offline_message,
                c.origins.join(" ")
            );
        }
        Command::Channel {
            command: ChannelCommand::List,
        } => {
            let mut out = std::io::stdout().lock();
            for c in admin::list_channels(&Db::open_at(&path)?)? {
                writeln!(
                    out,
                    "  id {:<5} company {:<4} {:<9} {:<28} group {:<5} {}",
                    c.account.id,
                    c.company_id,
                    c.account.kind.as_str(),
                    format!("{:?}", c.account.name),
                    c.account.group_id.map_or("-".into(), |g| g.to_string()),
                    crate::channels::summary(&c),
                )?;
            }
            out.flush()?;
        }
        Command::Demo { long_history } => {
            let db = Db::open_at(&path)?;
            let started = std::time::Instant::now();
            let outcome = crate::demo::load(&db)?;
            tracing::info!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                created = outcome.created,
                "demo loaded"
            );
            crate::demo::print(&outcome);
            if let Some(n) = long_history {
                let started = std::time::Instant::now();
                let long = crate::demo_long::add(&db, n)?;
                tracing::info!(
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    created = long.created,
                    "long history added"
                );
                println!(
                    "Long history: conversation id {} ({} messages, admin's My inbox)",
                    long.conversation_id, long.messages
                );
            }
        }
        Command::Serve {
            listen,
            keep_changes,
            prune_every_secs,
            max_file_mb,
            files,
            allow_private_fetch,
            trusted_proxy,
            fetch_timeout_secs,
            smtp_url,
            mail_from,
            smtp_timeout_secs,
            updates_dir,
            metrics_token,
            delivery,
            sessions,
        } => {
            if let Some(dir) = &updates_dir {
                anyhow::ensure!(
                    dir.is_dir(),
                    "--updates-dir {} is not a directory",
                    dir.display()
                );
            }
            let max_bytes = max_file_mb.saturating_mul(1024 * 1024);
            let mut files = match (files, &path) {
                (None, Location::Sqlite(db)) => FileStore::beside(db, max_bytes)?,
                (None, Location::Postgres(_)) => anyhow::bail!(
                    "with a PostgreSQL database, say where attachments go: --files DIR (a \
                     folder every server instance shares) or --files s3://bucket/prefix"
                ),
                (Some(url), Location::Sqlite(db)) => {
                    // Files are received beside the database before they go to the store.
                    let mut tmp = db.clone().into_os_string();
                    tmp.push(".files-tmp");
                    FileStore::open(&url, Path::new(&tmp), max_bytes)?
                }
                (Some(url), Location::Postgres(_)) => {
                    // This instance's own spool (S3): files are received here first.
                    let tmp = std::env::temp_dir()
                        .join(format!("switchboard-files-{}", std::process::id()));
                    FileStore::open(&url, &tmp, max_bytes)?
                }
            };
            files.allow_private_fetch = allow_private_fetch;
            files.fetch_timeout = Duration::from_secs(fetch_timeout_secs.max(1));
            let mailer = match (smtp_url, mail_from) {
                (Some(url), Some(from)) => Some(Arc::new(Mailer::new(
                    &url,
                    &from,
                    Duration::from_secs(smtp_timeout_secs),
                )?)),
                _ => None,
            };
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            let retention = keep_changes.map(|keep| (keep, Duration::from_secs(prune_every_secs)));
            let proxies = TrustedProxies::new(trusted_proxy);
            let background = Background {
                retention,
                delivery: delivery.into(),
                updates_dir,
                metrics_token: metrics_token.map(Arc::from),
            };
            runtime.block_on(serve(
                path,
                listen,
                background,
                files,
                mailer,
                proxies,
                sessions.into(),
            ))?;
        }
    }
    Ok(())
}

fn run_operator(db: &Db, command: OperatorCommand) -> anyhow::Result<()> {
    match command {
        OperatorCommand::Add {
            email,
            name,
            password,
            role,
            groups,
            company_id,
        } => {
            let made = directory::add_operator(
                db,
                &OperatorSpec {
                    company_id,
                    email,
                    name,
                    password,
                    role,
                    groups,
                },
            )?;
            let mut lines = vec![made.operator.id.to_string()];
            lines.extend(made.one_time_password);
            print_lines(&lines)?;
        }
        OperatorCommand::List { company_id } => {
            let mut out = std::io::stdout().lock();
            for o in directory::list_operators(db, company_id)? {
                let groups: Vec<String> = o.group_ids.iter().map(ToString::to_string).collect();
                writeln!(
                    out,
                    "  id {:<5} {:<32} {:<24} {:<11} role {:<5} groups {}",
                    o.id,
                    o.email,
                    format!("{:?}", o.name),
                    match (o.super_admin, o.active) {
                        (_, false) => "deactivated",
                        (true, true) => "super-admin",
                        (false, true) => "operator",
                    },
                    o.role_id.map_or("-".into(), |r| r.to_string()),
                    if groups.is_empty() {
                        "-".into()
                    } else {
                        groups.join(",")
                    },
                )?;
            }
            out.flush()?;
        }
        OperatorCommand::Deactivate { email } => {
            let ended = directory::set_operator_active(db, &email, false)?;
            println!("Deactivated {}; {ended} session(s) ended.", email.trim());
        }
        OperatorCommand::Reactivate { email } => {
            directory::set_operator_active(db, &email, true)?;
            println!("Reactivated {}.", email.trim());
        }
    }
    Ok(())
}

/// Prints each line alone on stdout (what a script reads).
fn print_lines(lines: &[String]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for l in lines {
        writeln!(out, "{l}")?;
    }
    out.flush()?;
    Ok(())
}

/// The background tasks `serve` starts.
struct Background {
    /// Keep this many change records per company, pruning at this interval.
    retention: Option<(u64, Duration)>,
    delivery: WorkerSettings,
    /// `--updates-dir`.
    updates_dir: Option<PathBuf>,
    /// `--metrics-token`.
    metrics_token: Option<Arc<str>>,
}

async fn serve(
    path: Location,
    listen: String,
    Background {
        retention,
        delivery,
        updates_dir,
        metrics_token,
    }: Background,
    files: FileStore,
    mailer: Option<Arc<Mailer>>,
    proxies: TrustedProxies,
    sessions: SessionLifetime,
) -> anyhow::Result<()> {
    let hub = Hub::new();
    let db = Db::open_at(&path)?.with_publisher(hub.sender());
    if let Some((keep, every)) = retention {
        tokio::spawn(crate::service::retention::run(db.clone(), keep, every));
    }
    let channels = delivery.adapters.clone();
    tokio::spawn(crate::service::listeners::run(
        db.clone(),
        files.clone(),
        channels.clone(),
    ));
    tokio::spawn(crate::service::webhook_delivery::run(
        db.clone(),
        hub.subscribe(),
        delivery.clone(),
    ));
    tokio::spawn(crate::service::delivery::run(
        db.clone(),
        files.clone(),
        hub.subscribe(),
        delivery,
    ));
    let state = AppState {
        db,
        hub,
        passwords: PasswordGate::per_core(),
        inbound_failures: Arc::new(AttemptLimiter::new(
            INBOUND_MAX_FAILURES,
            INBOUND_WINDOW,
            LIMITER_CAPACITY,
        )),
        inbound_opened: Arc::default(),
        sessions,
        files,
        mailer,
        widget: Arc::default(),
        channels,
        updates_dir,
        metrics_token,
    };
    let shutdown = shutdown_signal()?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "switchboard-server listening on http://{addr}")?;
        out.flush()?;
    }
    tracing::info!(%addr, db = %path, "serving");
    axum::serve(
        listener,
        router(state)
            .layer(Extension(proxies))
            .into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .context("server error")?;
    tracing::info!("stopped");
    Ok(())
}

fn print_tokens(listing: &admin::TokenListing) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "API tokens:")?;
    for t in &listing.api_tokens {
        let state = match t.revoked_at {
            Some(at) => format!("revoked {}", utc(at)),
            None => "live".into(),
        };
        writeln!(
            out,
            "  id {:<5} company {:<4} {:<24} created {}  {state}",
            t.id,
            t.company_id,
            format!("{:?}", t.name),
            utc(t.created_at)
        )?;
    }
    writeln!(out, "Live sessions:")?;
    for s in &listing.sessions {
        writeln!(
            out,
            "  {}  {:<28} created {}  last used {}",
            s.hash_prefix,
            s.operator_email,
            utc(s.created_at),
            utc(s.last_used_at)
        )?;
    }
    out.flush()?;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is *called* (not when
/// first polled), so a signal sent right after the listening line is not lost.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
            tracing::info!("shutting down");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
    }
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse_duration(" 12h "), Ok(Duration::from_secs(43_200)));
        assert_eq!(parse_duration("7d"), Ok(Duration::from_secs(604_800)));
        for bad in ["", "7", "d", "0s", "-1d", "1w", "1.5h", "1é", "é"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
