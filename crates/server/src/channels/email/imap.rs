//! Inbound: the channel's INBOX, read over IMAP. New mail is waited for with IDLE (RFC 2177)
//! when the server offers it, else the box is looked at every [`POLL`]. Each mail is fetched
//! without marking it read (`BODY.PEEK[]`) and handed to the [`Inbox`] as a client message,
//! or, for a bounce, turns the answer it returns into `failed` (`bounce`).
//!
//! Nothing is lost or repeated across reconnects and restarts: the cursor `imap` holds the
//! box's UIDVALIDITY and the last UID handled, saved after each mail; a changed UIDVALIDITY
//! (the box was rebuilt) takes its newest [`FIRST_TAKE`] mails again, and the Message-ID (the
//! platform id) keeps a mail read twice from being stored twice. A mail the desk refuses for
//! good (a bad sender address) is skipped with a warning rather than blocking the box. Connection trouble is retried with backoff
//! (1 s doubling up to [`MAX_BACKOFF`]); the password is never logged.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_imap::extensions::idle::IdleResponse;
use async_imap::{Client, Session};
use futures_util::future::BoxFuture;
use futures_util::TryStreamExt;
use switchboard_protocol::ClientContact;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use super::bounce;
use super::config::{EmailConfig, ImapTarget, Security};
use super::parse::{self, Incoming};
use super::thread::{self, Thread};
use crate::channels::{AdapterSettings, ChannelListener, Inbox, Received};
use crate::error::ApiError;

/// How often a box whose server has no IDLE is looked at.
const POLL: Duration = Duration::from_secs(15);
/// IDLE is renewed after this long without a word from the server (RFC 2177 asks for at most
/// 29 minutes); a connection that died silently is noticed then, when DONE gets no answer.
const IDLE_SILENCE: Duration = Duration::from_secs(5 * 60);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Mails taken from a box seen for the first time (not years of history).
const FIRST_TAKE: u32 = 50;
/// Larger mails are not fetched (the file store refuses such files anyway).
const MAX_MAIL_BYTES: u32 = 30 * 1024 * 1024;
const CURSOR: &str = "imap";

/// A byte stream IMAP can run over: plain TCP or TLS.
trait Stream: AsyncRead + AsyncWrite + Unpin + Send + Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + Debug> Stream for T {}
type Conn = Box<dyn Stream>;

/// Why a session ended (never carries the password).
#[derive(Debug, thiserror::Error)]
enum ImapError {
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    #[error("the server does not offer STARTTLS (use imaps:// or a server that does)")]
    NoStartTls,
    #[error("login refused: {0}")]
    Login(String),
    #[error("{0}")]
    Imap(#[from] async_imap::error::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("the server did not answer in time")]
    Timeout,
    #[error("storing a mail failed: {0}")]
    Store(String),
}

pub struct ImapListener {
    config: EmailConfig,
    settings: AdapterSettings,
}

impl ImapListener {
    pub fn new(config: EmailConfig, settings: AdapterSettings) -> Self {
        Self { config, settings }
    }

    async fn run(self, inbox: Inbox) {
        let channel_id = inbox.channel_id();
        let target = match self.config.imap() {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(channel_id, error = %e, "the channel's IMAP settings are unusable");
                return;
            }
        };
        let mut backoff = Duration::from_secs(1);
        loop {
            let mut reached = false;
            let err = self.session(&target, &inbox, &mut reached).await;
            if reached {
                backoff = Duration::from_secs(1);
            }
            tracing::warn!(channel_id, host = %target.host, error = %err, retry_in_s = backoff.as_secs(), "mailbox connection ended");
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One connection: reads what is new, then waits for more, until something fails.
    async fn session(&self, target: &ImapTarget, inbox: &Inbox, reached: &mut bool) -> ImapError {
        let mut session = match self.login(target).await {
            Ok(s) => s,
            Err(e) => return e,
        };
        *reached = true;
        let idle = match self.bounded(session.capabilities()).await {
            Ok(caps) => caps.has_str("IDLE"),
            Err(e) => return e,
        };
        loop {
            if let Err(e) = self.read_new(&mut session, inbox).await {
                return e;
            }
            if idle {
                let mut handle = session.idle();
                if let Err(e) = self.bounded(handle.init()).await {
                    return e;
                }
                let (wait, _stop) = handle.wait_with_timeout(IDLE_SILENCE);
                match wait.await {
                    Ok(IdleResponse::NewData(_) | IdleResponse::Timeout) => {}
                    // The stream ended: the server went away.
                    Ok(IdleResponse::ManualInterrupt) => {
                        return ImapError::Io(std::io::ErrorKind::ConnectionAborted.into())
                    }
                    Err(e) => return e.into(),
                }
                session = match self.bounded(handle.done()).await {
                    Ok(s) => s,
                    Err(e) => return e,
                };
            } else {
                tokio::time::sleep(POLL).await;
                if let Err(e) = self.bounded(session.noop()).await {
                    return e;
                }
            }
        }
    }

    /// `fut` within the adapter timeout.
    async fn bounded<T, E: Into<ImapError>>(
        &self,
        fut: impl std::future::Future<Output = Result<T, E>>,
    ) -> Result<T, ImapError> {
        match tokio::time::timeout(self.settings.timeout, fut).await {
            Ok(r) => r.map_err(Into::into),
            Err(_) => Err(ImapError::Timeout),
        }
    }

    async fn login(&self, t: &ImapTarget) -> Result<Session<Conn>, ImapError> {
        let addr = format!("{}:{}", t.host, t.port);
        let tcp = tokio::time::timeout(self.settings.timeout, TcpStream::connect(&addr))
            .await
            .map_err(|_| ImapError::Timeout)?
            .map_err(|e| ImapError::Connect(addr.clone(), e.to_string()))?;
        let conn: Conn = match t.security {
            Security::Plain => Box::new(tcp),
            Security::Tls => Box::new(self.tls(t, tcp).await?),
            Security::StartTls => {
                let mut client = Client::new(tcp);
                self.greeting(&mut client).await?;
                // A server without STARTTLS answers NO or BAD: no password is sent in clear.
                self.bounded(client.run_command_and_check_ok("STARTTLS", None))
                    .await
                    .map_err(|_| ImapError::NoStartTls)?;
                Box::new(self.tls(t, client.into_inner()).await?)
            }
        };
        let mut client = Client::new(conn);
        if t.security != Security::StartTls {
            self.greeting(&mut client).await?;
        }
        match tokio::time::timeout(self.settings.timeout, client.login(&t.user, &t.password)).await
        {
            Ok(Ok(session)) => Ok(session),
            Ok(Err((e, _))) => Err(ImapError::Login(e.to_string())),
            Err(_) => Err(ImapError::Timeout),
        }
    }

    async fn greeting<T: Stream>(&self, client: &mut Client<T>) -> Result<(), ImapError> {
        match self.bounded(client.read_response()).await? {
            Some(_) => Ok(()),
            None => Err(ImapError::Io(std::io::ErrorKind::UnexpectedEof.into())),
        }
    }

    async fn tls(
        &self,
        t: &ImapTarget,
        tcp: TcpStream,
    ) -> Result<tokio_rustls::client::TlsStream<TcpStream>, ImapError> {
        let roots = RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let config = ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from(t.host.clone())
            .map_err(|e| ImapError::Connect(t.host.clone(), e.to_string()))?;
        tokio::time::timeout(
            self.settings.timeout,
            TlsConnector::from(Arc::new(config)).connect(name, tcp),
        )
        .await
        .map_err(|_| ImapError::Timeout)?
        .map_err(|e| ImapError::Connect(t.host.clone(), format!("TLS: {e}")))
    }

    /// Handles every mail after the cursor, in UID order, saving the cursor after each.
    async fn read_new(&self, session: &mut Session<Conn>, inbox: &Inbox) -> Result<(), ImapError> {
        let mailbox = self.bounded(session.select("INBOX")).await?;
        let validity = mailbox.uid_validity.unwrap_or(0);
        let saved = inbox
            .cursor(CURSOR)
            .await
            .map_err(|e| ImapError::Store(e.to_string()))?
            .and_then(|c| parse_cursor(&c));
        let last = match saved {
            Some((v, uid)) if v == validity => uid,
            // A box seen for the first time, or rebuilt: its newest mails.
            _ => mailbox
                .uid_next
                .unwrap_or(1)
                .saturating_sub(1)
                .saturating_sub(FIRST_TAKE),
        };
        let uids = self.new_uids(session, last).await?;
        for (uid, size) in uids {
            if size <= MAX_MAIL_BYTES {
                let raw = self.fetch(session, uid).await?;
                self.handle(inbox, &raw, validity, uid).await?;
            } else {
                tracing::warn!(
                    channel_id = inbox.channel_id(),
                    uid,
                    size,
                    "a mail too large to take was left in the box"
                );
            }
            inbox
                .set_cursor(CURSOR, format!("{validity}:{uid}"))
                .await
                .map_err(|e| ImapError::Store(e.to_string()))?;
        }
        Ok(())
    }

    /// UIDs after `last` with their sizes, oldest first.
    async fn new_uids(
        &self,
        session: &mut Session<Conn>,
        last: u32,
    ) -> Result<Vec<(u32, u32)>, ImapError> {
        let range = format!("{}:*", last.saturating_add(1));
        let fetched: Vec<_> = self
            .bounded(async {
                session
                    .uid_fetch(&range, "(UID RFC822.SIZE)")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
        // `N:*` names the newest mail even when its UID is below N (RFC 3501 6.4.8).
        let mut uids: Vec<(u32, u32)> = fetched
            .iter()
            .filter_map(|f| Some((f.uid?, f.size.unwrap_or(0))))
            .filter(|(uid, _)| *uid > last)
            .collect();
        uids.sort_unstable();
        Ok(uids)
    }

    async fn fetch(&self, session: &mut Session<Conn>, uid: u32) -> Result<Vec<u8>, ImapError> {
        let fetched: Vec<_> = self
            .bounded(async {
                session
                    .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
                    .await?
                    .try_collect::<Vec<_>>()
                    .await
            })
            .await?;
        Ok(fetched
            .iter()
            .find(|f| f.uid == Some(uid))
            .and_then(|f| f.body())
            .unwrap_or_default()
            .to_vec())
    }

    /// One mail: a client message, a bounce, or skipped.
    async fn handle(
        &self,
        inbox: &Inbox,
        raw: &[u8],
        validity: u32,
        uid: u32,
    ) -> Result<(), ImapError> {
        let channel_id = inbox.channel_id();
        let mail = match parse::read(raw, &self.config.address) {
            Incoming::Client(mail) => mail,
            Incoming::Bounce(b) => {
                return bounce::fail_original(inbox, &b)
                    .await
                    .map_err(|e| ImapError::Store(e.to_string()));
            }
            Incoming::Skip(why) => {
                tracing::info!(channel_id, uid, why, "a mail opens no conversation");
                return Ok(());
            }
        };
        let platform_id = mail
            .message_id
            .clone()
            .unwrap_or_else(|| format!("imap:{validity}:{uid}"));
        let stored = inbox
            .receive(Received {
                platform_id: Some(platform_id.clone()),
                external_id: mail.from.clone(),
                name: mail.name.clone(),
                contact: ClientContact {
                    email: Some(mail.from.clone()),
                    ..ClientContact::default()
                },
                text: mail.text.clone(),
                files: mail.files.clone(),
            })
            .await;
        let stored = match stored {
            Ok(stored) => stored,
            // What the desk refuses now it refuses on every try: skipped, or it would block
            // the box.
            Err(
                e
                @ (ApiError::BadRequest(_) | ApiError::TooLarge(_) | ApiError::UnsupportedType(_)),
            ) => {
                tracing::warn!(channel_id, uid, error = %e, "a mail was refused");
                return Ok(());
            }
            Err(e) => return Err(ImapError::Store(e.to_string())),
        };
        if stored.is_some() {
            let t = Thread {
                message_id: platform_id,
                subject: mail.subject,
                references: mail.references,
            };
            let from = mail.from;
            inbox
                .db()
                .write(move |ctx| Ok(thread::save(ctx.tx, channel_id, &from, &t)?))
                .await
                .map_err(|e| ImapError::Store(e.to_string()))?;
        }
        Ok(())
    }
}

fn parse_cursor(c: &str) -> Option<(u32, u32)> {
    let (v, u) = c.split_once(':')?;
    Some((v.parse().ok()?, u.parse().ok()?))
}

impl ChannelListener for ImapListener {
    fn listen(self: Box<Self>, inbox: Inbox) -> BoxFuture<'static, ()> {
        Box::pin(self.run(inbox))
    }
}
