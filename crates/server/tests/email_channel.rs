//! The Email channel against a real IMAP server (Dovecot, started by the test in a temp dir)
//! and a real SMTP server (aiosmtpd), through the real server binary: a mail in the box
//! becomes a conversation the operator sees through the API (name, text, files); the answer
//! reaches the SMTP server threaded (Message-ID, In-Reply-To, References, Re: subject) with
//! the operator's file attached; the client's reply (HTML, quoting the answer) lands in the
//! same conversation as readable text without the quote; a bounce fails the answer with its
//! reason; an auto-reply opens nothing; Dovecot restarted mid-IDLE and the server restarted
//! lose and repeat nothing; a server without IDLE is polled; SMTP refusals (5xx) fail the
//! answer, 4xx retry it; `imap://` never logs in without STARTTLS; bad settings are refused.

mod common;

use common::dovecot::{Dovecot, PASSWORD};
use common::smtp::Smtp;
use common::{cli, session, until, Fx, Server};
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_protocol::Id;
use switchboard_server::storage::{clients, conversations, deliveries};

const ADDRESS: &str = "desk@support.test";

struct Rig {
    fx: Fx,
    imap: Dovecot,
    smtp: Smtp,
    channel: Id,
    admin: String,
}

impl Rig {
    fn start() -> Self {
        Self::with(Dovecot::start(), Smtp::start(), None)
    }

    /// `imap_url`: instead of the Dovecot's own.
    fn with(imap: Dovecot, smtp: Smtp, imap_url: Option<String>) -> Self {
        let fx = Fx::new();
        let out = cli(
            &fx.db_path,
            &[
                "channel",
                "add",
                "--kind",
                "email",
                "--name",
                "Support mail",
                "--address",
                ADDRESS,
                "--imap-url",
                &imap_url.unwrap_or_else(|| imap.url()),
                "--smtp-url",
                &smtp.url(),
                "--group",
                &fx.g1.to_string(),
            ],
        );
        let channel = out
            .lines()
            .next()
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| panic!("channel id first: {out:?}"));
        let admin = session(fx.admin);
        Rig {
            fx,
            imap,
            smtp,
            channel,
            admin,
        }
    }

    /// The conversation of the client writing from `address`, if there is one.
    fn conversation_of(&self, address: &str) -> Option<Id> {
        let (channel, address) = (self.channel, address.to_string());
        self.fx
            .db()
            .read_blocking(move |conn| {
                let Some(client) = clients::find_by_external_id(conn, channel, &address)? else {
                    return Ok(None);
                };
                Ok(conversations::get_by_client(conn, client.id)?.map(|c| c.id))
            })
            .expect("read")
    }

    /// The conversation as the operator sees it through the API.
    async fn detail(&self, conv: Id) -> Value {
        let (st, body) = self
            .fx
            .get(&self.admin, &format!("/api/v1/conversations/{conv}"))
            .await;
        assert_eq!(st, StatusCode::OK, "{body}");
        body
    }

    async fn client_messages(&self, conv: Id) -> Vec<Value> {
        self.detail(conv).await["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .filter(|m| m["kind"] == "client")
            .cloned()
            .collect()
    }

    /// Waits until `address` has a conversation with `n` client messages; returns it.
    async fn wait_messages(&self, address: &str, n: usize) -> (Id, Vec<Value>) {
        let mut conv = None;
        until(&format!("{n} client messages from {address}"), || {
            conv = self.conversation_of(address);
            async move {
                match conv {
                    Some(c) => self.client_messages(c).await.len() >= n,
                    None => false,
                }
            }
        })
        .await;
        let conv = conv.expect("conversation");
        let messages = self.client_messages(conv).await;
        assert_eq!(messages.len(), n, "no more, no less: {messages:?}");
        (conv, messages)
    }

    /// Starts `conv` and sends an answer; waits until it is delivered; returns its id.
    async fn answer(&self, conv: Id, text: &str) -> Id {
        let id = self.send(conv, text).await;
        self.wait_delivery(conv, id, "delivered").await;
        id
    }

    /// Starts `conv` and sends an answer; returns its id.
    async fn send(&self, conv: Id, text: &str) -> Id {
        let got = self
            .fx
            .post_json(
                &self.admin,
                &format!("/api/v1/conversations/{conv}/actions"),
                json!({"action_id": format!("start-{conv}-{text}"), "action": "start"}),
            )
            .await;
        assert_eq!(got.0, StatusCode::OK, "{}", got.1);
        let msg = self
            .fx
            .send_message(&self.admin, conv, "operator", text)
            .await;
        assert_eq!(msg["delivery"], "pending", "{msg}");
        msg["id"].as_i64().expect("id")
    }

    async fn message(&self, conv: Id, id: Id) -> Value {
        self.detail(conv).await["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .find(|m| m["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("message {id}"))
    }

    async fn wait_delivery(&self, conv: Id, id: Id, state: &str) {
        until(&format!("message {id} {state}"), || async move {
            self.message(conv, id).await["delivery"] == state
        })
        .await;
    }

    /// The Message-ID the answer `id` went out with.
    fn platform_id(&self, id: Id) -> String {
        self.fx
            .db()
            .read_blocking(move |conn| Ok(deliveries::get(conn, id)?))
            .expect("read")
            .and_then(|d| d.platform_message_id)
            .expect("a platform id")
    }
}

/// A header of a raw mail, unfolded.
fn header(raw: &[u8], name: &str) -> String {
    let msg = MessageParser::default().parse(raw).expect("a mail");
    let value = msg.header_raw(name).unwrap_or_default();
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn a_mail_becomes_a_conversation_and_the_answers_thread_both_ways() {
    let mut rig = Rig::start();
    let listing = cli(&rig.fx.db_path, &["channel", "list"]);
    assert!(
        listing.contains(&format!("imap+plain://desk{}:***@127.0.0.1", rig.imap.port))
            && !listing.contains(PASSWORD),
        "channel list shows the URL without its password: {listing}"
    );

    rig.imap.deliver(
        "From: Ann Client <Ann@Client.test>\n\
         To: desk@support.test\n\
         Subject: Order 42 is late\n\
         Message-ID: <m1@client.test>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/mixed; boundary=b1\n\
         \n\
         --b1\n\
         Content-Type: text/plain; charset=utf-8\n\
         \n\
         Where is my order?\n\
         --b1\n\
         Content-Type: text/plain; name=receipt.txt\n\
         Content-Disposition: attachment; filename=receipt.txt\n\
         Content-Transfer-Encoding: base64\n\
         \n\
         T3JkZXIgNDIsIHBhaWQ=\n\
         --b1--\n",
    );
    let (conv, msgs) = rig.wait_messages("ann@client.test", 2).await;
    let detail = rig.detail(conv).await;
    assert_eq!(detail["client"]["display_name"], "Ann Client", "{detail}");
    assert_eq!(msgs[0]["text"], "Where is my order?");
    assert_eq!(msgs[1]["attachment"]["name"], "receipt.txt", "{}", msgs[1]);
    let file = rig
        .fx
        .download(&rig.admin, &msgs[1]["attachment"]["id"])
        .await;
    assert_eq!(
        file.bytes().await.expect("bytes").as_ref(),
        b"Order 42, paid"
    );

    // The answer, threaded into the client's mail program.
    let answer = rig.answer(conv, "It ships today.").await;
    let raw = rig.smtp.mail(1);
    let sent_id = rig.platform_id(answer);
    let mail = MessageParser::default().parse(&raw).expect("a mail");
    assert_eq!(mail.message_id(), Some(sent_id.as_str()));
    assert!(sent_id.ends_with("@support.test"), "{sent_id}");
    assert_eq!(header(&raw, "In-Reply-To"), "<m1@client.test>");
    assert_eq!(header(&raw, "References"), "<m1@client.test>");
    assert_eq!(mail.subject(), Some("Re: Order 42 is late"));
    assert_eq!(
        mail.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("ann@client.test")
    );
    assert_eq!(
        mail.from()
            .and_then(|a| a.first())
            .and_then(|a| a.address()),
        Some(ADDRESS)
    );
    assert_eq!(
        mail.body_text(0).as_deref().map(str::trim),
        Some("It ships today.")
    );

    // The operator's file goes as an attachment.
    let (st, up) = rig
        .fx
        .upload(
            &rig.admin,
            conv,
            "up-1",
            "invoice.txt",
            b"Invoice 42".to_vec(),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{up}");
    let file_msg = up["id"].as_i64().expect("message id");
    rig.wait_delivery(conv, file_msg, "delivered").await;
    let raw = rig.smtp.mail(2);
    let mail = MessageParser::default().parse(&raw).expect("a mail");
    let att = mail.attachments().next().expect("an attachment");
    assert_eq!(att.attachment_name(), Some("invoice.txt"));
    assert_eq!(att.contents(), b"Invoice 42");

    // The client's reply: HTML only, quoting the answer; it lands in the same conversation
    // as the new words only, as text.
    rig.imap.deliver(&format!(
        "From: Ann Client <ann@client.test>\n\
         To: desk@support.test\n\
         Subject: Re: Order 42 is late\n\
         Message-ID: <m2@client.test>\n\
         In-Reply-To: <{sent_id}>\n\
         References: <m1@client.test> <{sent_id}>\n\
         MIME-Version: 1.0\n\
         Content-Type: text/html; charset=utf-8\n\
         \n\
         <html><head><style>div {{ color: red }}</style><script>alert('x')</script></head>\n\
         <body><div>Thanks, <i>got it</i> &amp; see you!</div>\n\
         <div>On Mon, 3 Nov 2025 at 10:00, Support mail &lt;desk@support.test&gt; wrote:</div>\n\
         <blockquote>It ships today.</blockquote></body></html>\n"
    ));
    let (again, msgs) = rig.wait_messages("ann@client.test", 3).await;
    assert_eq!(again, conv, "the reply is in the same conversation");
    assert_eq!(msgs[2]["text"], "Thanks, got it & see you!", "{}", msgs[2]);

    // The next answer continues the thread from the client's latest mail.
    rig.answer(conv, "Glad to help.").await;
    let raw = rig.smtp.mail(3);
    assert_eq!(header(&raw, "In-Reply-To"), "<m2@client.test>");
    assert_eq!(
        header(&raw, "References"),
        format!("<m1@client.test> <{sent_id}> <m2@client.test>")
    );
    assert_eq!(header(&raw, "Subject"), "Re: Order 42 is late");
    let log = std::fs::read_to_string(rig.fx.db_path.with_extension("log")).unwrap_or_default();
    assert!(
        !log.contains(PASSWORD),
        "the IMAP password is never logged: {log}"
    );
}

#[tokio::test]
async fn a_bounce_fails_the_answer_and_an_auto_reply_opens_no_conversation() {
    let mut rig = Rig::start();
    rig.imap.deliver(
        "From: Bob <bob@client.test>\nTo: desk@support.test\nSubject: Help\nMessage-ID: <b1@client.test>\n\nMy login fails.\n",
    );
    let (conv, _) = rig.wait_messages("bob@client.test", 1).await;
    let answer = rig.answer(conv, "Try resetting it.").await;
    let sent_id = rig.platform_id(answer);

    rig.imap.deliver(
        "From: Carol <carol@client.test>\nTo: desk@support.test\nSubject: Out of office\n\
         Message-ID: <c1@client.test>\nAuto-Submitted: auto-replied\n\nI am away until Monday.\n",
    );
    rig.imap.deliver(&format!(
        "From: Mail Delivery System <MAILER-DAEMON@client.test>\n\
         To: desk@support.test\n\
         Subject: Undelivered Mail Returned to Sender\n\
         Message-ID: <dsn1@client.test>\n\
         MIME-Version: 1.0\n\
         Content-Type: multipart/report; report-type=delivery-status; boundary=r1\n\
         \n\
         --r1\n\
         Content-Type: text/plain\n\
         \n\
         This is the mail system. Your message could not be delivered.\n\
         --r1\n\
         Content-Type: message/delivery-status\n\
         \n\
         Reporting-MTA: dns; mx.client.test\n\
         \n\
         Final-Recipient: rfc822; bob@client.test\n\
         Action: failed\n\
         Status: 5.1.1\n\
         Diagnostic-Code: smtp; 550 5.1.1 <bob@client.test>: Recipient address rejected:\n \
         User unknown in virtual mailbox table\n\
         --r1\n\
         Content-Type: message/rfc822\n\
         \n\
         From: Support mail <desk@support.test>\n\
         To: bob@client.test\n\
         Subject: Re: Help\n\
         Message-ID: <{sent_id}>\n\
         \n\
         Try resetting it.\n\
         --r1--\n"
    ));
    // After both: a later mail arrived, so the two before it were read.
    rig.imap.deliver(
        "From: Dave <dave@client.test>\nTo: desk@support.test\nSubject: Hi\nMessage-ID: <d1@client.test>\n\nHello there\n",
    );
    rig.wait_messages("dave@client.test", 1).await;
    rig.wait_delivery(conv, answer, "failed").await;
    let msg = rig.message(conv, answer).await;
    assert_eq!(
        msg["delivery_error"],
        "The mail to bob@client.test bounced: 550 5.1.1 <bob@client.test>: Recipient address rejected: User unknown in virtual mailbox table",
        "{msg}"
    );
    assert_eq!(
        rig.conversation_of("carol@client.test"),
        None,
        "an auto-reply opens nothing"
    );
    assert_eq!(
        rig.conversation_of("mailer-daemon@client.test"),
        None,
        "a bounce is no client"
    );
    assert_eq!(
        rig.client_messages(conv).await.len(),
        1,
        "the bounce is not Bob's message"
    );
}

#[tokio::test]
async fn an_imap_server_restarted_mid_idle_loses_nothing_and_repeats_nothing() {
    let mut rig = Rig::start();
    let mail = |n: u32, from: &str| {
        format!("From: {from}\nTo: desk@support.test\nSubject: Note {n}\nMessage-ID: <r{n}@client.test>\n\nNote {n}\n")
    };
    rig.imap.deliver(&mail(1, "eve@client.test"));
    rig.wait_messages("eve@client.test", 1).await;

    // The listener waits in IDLE; the IMAP server goes away, mail arrives meanwhile.
    until("the listener idles", || async { rig.imap.idling() }).await;
    rig.imap.stop();
    rig.imap.deliver(&mail(2, "eve@client.test"));
    rig.imap.deliver(&mail(3, "frank@client.test"));
    rig.imap.resume();
    let (_, eve) = rig.wait_messages("eve@client.test", 2).await;
    assert_eq!(eve[1]["text"], "Note 2");
    rig.wait_messages("frank@client.test", 1).await;

    // The server restarts; a copy of a mail already read (same Message-ID) is not stored
    // twice, and nothing read before comes again.
    rig.fx.server.child.kill().expect("kill the server");
    rig.fx.server.child.wait().expect("server ended");
    let db_path = rig.fx.db_path.clone();
    rig.fx.server = Server::start(&db_path);
    rig.imap.deliver(&mail(1, "eve@client.test"));
    rig.imap.deliver(&mail(4, "frank@client.test"));
    rig.wait_messages("frank@client.test", 2).await;
    rig.wait_messages("eve@client.test", 2).await;
    assert!(!rig.imap.log().contains("Fatal"), "{}", rig.imap.log());
}

#[tokio::test]
async fn a_server_without_idle_is_polled() {
    // Dovecot announcing no IDLE after login.
    let mut rig = Rig::with(
        Dovecot::start_with("imap_capability = IMAP4rev1 LITERAL+ SASL-IR ID ENABLE"),
        Smtp::start(),
        None,
    );
    let mail = |n: u32| {
        format!("From: Gus <gus@client.test>\nTo: desk@support.test\nSubject: Poll {n}\nMessage-ID: <p{n}@client.test>\n\nPoll {n}\n")
    };
    rig.imap.deliver(&mail(1));
    rig.wait_messages("gus@client.test", 1).await;
    rig.imap.deliver(&mail(2));
    let (_, msgs) = rig.wait_messages("gus@client.test", 2).await;
    assert_eq!(msgs[1]["text"], "Poll 2");
    assert!(!rig.imap.idling(), "no IDLE where the server offers none");
}

#[test]
fn channel_add_refuses_bad_mail_settings_without_showing_the_password() {
    let fx = Fx::new();
    let refused = |args: &[&str], needle: &str| {
        let mut all = vec!["channel", "add", "--kind", "email", "--name", "Bad mail"];
        all.extend_from_slice(args);
        let stderr = common::cli_refused(&fx.db_path, &all, needle);
        assert!(
            !stderr.contains("hunter2"),
            "the password is not shown: {stderr}"
        );
    };
    let imap = "imaps://desk:hunter2@mail.support.test";
    let smtp = "smtps://desk:hunter2@mail.support.test";
    refused(
        &["--address", "desk@support.test", "--smtp-url", smtp],
        "needs --imap-url",
    );
    refused(
        &[
            "--address",
            "not-an-address",
            "--imap-url",
            imap,
            "--smtp-url",
            smtp,
        ],
        "is not an email address",
    );
    refused(
        &[
            "--address",
            "desk@support.test",
            "--imap-url",
            "pop3://desk:hunter2@x.test",
            "--smtp-url",
            smtp,
        ],
        "pop3://desk:***@x.test",
    );
    refused(
        &[
            "--address",
            "desk@support.test",
            "--imap-url",
            "imap+plain://desk:hunter2@mail.support.test",
            "--smtp-url",
            smtp,
        ],
        "only for a server on this machine",
    );
    refused(
        &[
            "--address",
            "desk@support.test",
            "--imap-url",
            imap,
            "--smtp-url",
            "http://desk:hunter2@x.test",
        ],
        "--smtp-url must be smtp://",
    );
    refused(
        &[
            "--address",
            "desk@support.test",
            "--imap-url",
            imap,
            "--smtp-url",
            smtp,
            "--bot-token",
            "1:a",
        ],
        "An email channel does not take --bot-token",
    );
    let listing = cli(&fx.db_path, &["channel", "list"]);
    assert!(
        !listing.contains("Bad mail"),
        "nothing was added: {listing}"
    );
}

#[tokio::test]
async fn the_smtp_servers_refusal_fails_the_answer_and_a_busy_server_is_tried_again() {
    let mut rig = Rig::with(Dovecot::start(), Smtp::start_picky(), None);
    for who in ["nobody", "busy"] {
        rig.imap.deliver(&format!(
            "From: {who}@client.test\nTo: desk@support.test\nSubject: Hi\nMessage-ID: <{who}@client.test>\n\nHello\n"
        ));
    }
    let (gone, _) = rig.wait_messages("nobody@client.test", 1).await;
    let (busy, _) = rig.wait_messages("busy@client.test", 1).await;
    let refused = rig.send(gone, "Are you there?").await;
    let later = rig.send(busy, "Are you there?").await;
    rig.wait_delivery(gone, refused, "failed").await;
    let reason = rig.message(gone, refused).await["delivery_error"].clone();
    let reason = reason.as_str().expect("a reason");
    assert!(
        reason.contains("550") && reason.contains("No such user here"),
        "{reason}"
    );
    let db = rig.fx.db();
    until("the busy server's answer is queued again", || {
        let row = db
            .read_blocking(move |conn| Ok(deliveries::get(conn, later)?))
            .expect("read");
        async move {
            row.is_some_and(|r| {
                r.attempts >= 1 && r.last_error.as_deref().is_some_and(|e| e.contains("451"))
            })
        }
    })
    .await;
    assert_ne!(
        rig.message(busy, later).await["delivery"],
        "failed",
        "a 4xx is tried again"
    );
    assert_eq!(rig.smtp.count(), 0, "nothing was accepted");
}

#[tokio::test]
async fn imap_without_starttls_is_not_sent_the_password() {
    // `imap://` requires STARTTLS; the test Dovecot has no TLS.
    let imap = Dovecot::start();
    let url = imap.url().replace("imap+plain://", "imap://");
    let rig = Rig::with(imap, Smtp::start(), Some(url));
    until("the listener tried to connect", || async {
        rig.imap.log().contains("no auth attempts")
    })
    .await;
    assert!(
        !rig.imap.log().contains("Login: user="),
        "{}",
        rig.imap.log()
    );
}

#[tokio::test]
async fn an_email_channel_without_a_mailbox_counts_answers_as_sent() {
    // The fixture's (and the demo's) email channel was not made with `channel add`: it has no
    // mailbox settings, so there is nothing to deliver to.
    let fx = Fx::new();
    let admin = session(fx.admin);
    let conv = fx.c4;
    let got = fx
        .post_json(
            &admin,
            &format!("/api/v1/conversations/{conv}/actions"),
            json!({"action_id": "start-c4", "action": "start"}),
        )
        .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    let msg = fx.send_message(&admin, conv, "operator", "Hello").await;
    assert_eq!(msg["delivery"], "sent", "{msg}");
}
