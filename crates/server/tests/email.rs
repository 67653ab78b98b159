//! "Send to Email" against the real binary and a real SMTP server (Python's aiosmtpd, which
//! stores every mail it accepts in a maildir): the mail's headers, both parts, the escaping of
//! client text, notes left out or labelled, the action log; every refusal (404, 403, 400, the
//! whitelist, no mail server 422) and a failing, refusing or silent SMTP server (502, bounded).

mod common;

use std::io::Write;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use common::smtp::{free_port, Smtp};
use common::{assert_error, session, Fx};
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_protocol::{Id, LogAction, LogTarget, Permissions};
use switchboard_server::storage::{action_log, roles};

/// The two parts of a received mail, decoded, after checking its envelope headers.
struct Mail {
    subject: String,
    to: String,
    from: String,
    text: String,
    html: String,
}

fn parse(raw: &[u8]) -> Mail {
    let msg = MessageParser::default().parse(raw).expect("a MIME mail");
    let ctype = |p: Option<&mail_parser::MessagePart<'_>>| {
        p.and_then(|p| p.content_type())
            .map(|c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")))
            .unwrap_or_default()
    };
    assert_eq!(ctype(msg.text_part(0)), "text/plain", "no plain-text part");
    assert_eq!(ctype(msg.html_part(0)), "text/html", "no HTML part");
    let raw_text = String::from_utf8_lossy(raw);
    assert!(raw_text.contains("multipart/alternative"), "{raw_text}");
    let addr = |a: Option<&mail_parser::Address<'_>>| {
        a.and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_string()
    };
    Mail {
        subject: msg.subject().unwrap_or_default().to_string(),
        to: addr(msg.to()),
        from: addr(msg.from()),
        text: msg.body_text(0).unwrap_or_default().into_owned(),
        html: msg.body_html(0).unwrap_or_default().into_owned(),
    }
}

/// Gives the operators `ops` one new role with these permissions (the fixture's "Operator"
/// role has none).
fn grant(fx: &Fx, ops: &[Id], name: &str, perms: Permissions) {
    fx.db()
        .write_blocking(|ctx| {
            let company: Id = ctx.tx.query_row(
                "SELECT company_id FROM operators WHERE id = ?1",
                [ops[0]],
                |r| r.get(0),
            )?;
            let role = roles::insert(ctx.tx, company, name, &perms)?;
            for op in ops {
                ctx.tx.execute(
                    "UPDATE operators SET role_id = ?1 WHERE id = ?2",
                    [role, *op],
                )?;
            }
            Ok(())
        })
        .expect("grant");
}

/// The role flag "download conversations", nothing else.
fn exporter() -> Permissions {
    Permissions {
        download_conversations: true,
        ..Permissions::default()
    }
}

async fn post_ok(fx: &Fx, token: &str, path: &str, body: Value) -> Value {
    let (st, body) = fx.post_json(token, path, body).await;
    assert!(st.is_success(), "{path}: {st} {body}");
    body
}

/// Conversation c1 in Anna's inbox with an operator message, a note, a client `<script>`
/// message and a client file; Anna's and Dave's role may export ("download conversations").
/// Returns the messages, oldest first.
async fn conversation(fx: &Fx) -> Vec<Value> {
    grant(fx, &[fx.anna, fx.dave], "Exporter", exporter());
    let anna = session(fx.anna);
    let c1 = fx.c1;
    post_ok(
        fx,
        &anna,
        &format!("/api/v1/conversations/{c1}/actions"),
        json!({"action_id": "email-start", "action": "start"}),
    )
    .await;
    let send = |kind: &'static str, text: &'static str| {
        let anna = anna.clone();
        async move {
            post_ok(
                fx,
                &anna,
                &format!("/api/v1/conversations/{c1}/messages"),
                json!({"client_msg_id": format!("email-{kind}"), "kind": kind, "text": text}),
            )
            .await
        }
    };
    send("operator", "We are checking your order & will write back.").await;
    send("note", "VIP customer, handle with care").await;
    let (st, body) = fx
        .inbound(
            fx.tg,
            "tg-secret",
            "t1",
            "<script>alert('x')</script> thanks",
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{body}");
    use base64::Engine as _;
    let resp = fx
        .http
        .post(fx.url(&format!("/api/v1/channels/{}/inbound", fx.tg)))
        .header("X-Channel-Secret", "tg-secret")
        .json(&json!({"external_id": "t1", "name": "Tom", "text": "",
            "attachment": {"name": "scan.pdf",
                "data_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4 scan")}}))
        .send()
        .await
        .expect("inbound file");
    assert!(resp.status().is_success());
    let (st, page) = fx
        .get(&anna, &format!("/api/v1/conversations/{c1}/messages"))
        .await;
    assert_eq!(st, StatusCode::OK, "{page}");
    let msgs = page["messages"].as_array().cloned().expect("messages");
    assert_eq!(msgs.len(), 5, "{page}");
    msgs
}

#[tokio::test]
async fn whole_conversation_and_selected_messages_are_mailed_readably() {
    let smtp = Smtp::start();
    let fx = Fx::with_server_args(&[
        "--smtp-url",
        &smtp.url(),
        "--mail-from",
        "Switchboard Desk <desk@acme.test>",
    ]);
    let msgs = conversation(&fx).await;
    let anna = session(fx.anna);
    let path = format!("/api/v1/conversations/{}/email", fx.c1);

    // The whole conversation: everything but the internal note.
    let sent = post_ok(
        &fx,
        &anna,
        &path,
        json!({"to": " Lawyer@Partner.test ", "subject": "Conversation with Tom"}),
    )
    .await;
    assert_eq!(
        sent,
        json!({"to": "Lawyer@Partner.test", "message_count": 4})
    );
    let mail = parse(&smtp.mail(1));
    assert_eq!(mail.subject, "Conversation with Tom");
    assert_eq!(mail.to, "Lawyer@Partner.test");
    assert_eq!(mail.from, "desk@acme.test");
    for part in [&mail.text, &mail.html] {
        assert!(
            part.contains(&format!("Conversation with Tom (#{})", fx.c1)),
            "{part}"
        );
        assert!(part.contains("Telegram (bot)"), "{part}");
        assert!(part.contains("Anna"), "{part}");
        assert!(part.contains("anna@acme.test"), "{part}");
        assert!(part.contains("Hello, where is my order?"), "{part}");
        assert!(part.contains("scan.pdf (13 B)"), "{part}");
        assert!(!part.contains("VIP customer"), "a note leaked: {part}");
        assert!(!part.contains("Internal note"), "{part}");
    }
    assert!(mail
        .text
        .contains("We are checking your order & will write back."));
    assert!(mail.text.contains("<script>alert('x')</script> thanks"));
    assert!(mail.text.contains("Tom (client)") && mail.text.contains("Anna (operator)"));
    assert!(!mail.html.contains("<script>"), "{}", mail.html);
    assert!(mail
        .html
        .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; thanks"));
    assert!(mail
        .html
        .contains("checking your order &amp; will write back"));

    // The action log: actor, target, IP, recipient.
    let log = fx
        .db()
        .read_blocking(|c| {
            let company: Id = c.query_row(
                "SELECT company_id FROM conversations WHERE id = ?1",
                [fx.c1],
                |r| r.get(0),
            )?;
            Ok(action_log::list_for_target(
                c,
                company,
                LogTarget::Conversation,
                fx.c1,
            )?)
        })
        .expect("log");
    let row = log
        .iter()
        .find(|r| r.action == LogAction::ConversationEmailed)
        .expect("logged");
    assert_eq!(row.actor_operator_id, Some(fx.anna));
    assert_eq!(row.ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(row.details.email_to.as_deref(), Some("Lawyer@Partner.test"));
    assert_eq!(row.details.message_count, Some(4));

    // Two selected messages, one of them the note: exactly those, the note labelled.
    let note = msgs.iter().find(|m| m["kind"] == "note").expect("note");
    let script = msgs
        .iter()
        .find(|m| m["text"].as_str().is_some_and(|t| t.contains("<script>")))
        .expect("script message");
    let sent = post_ok(
        &fx,
        &anna,
        &path,
        json!({"to": "lawyer@partner.test", "subject": "Two messages",
               "message_ids": [script["id"], note["id"], note["id"]]}),
    )
    .await;
    assert_eq!(sent["message_count"], 2);
    let mail = parse(&smtp.mail(2));
    assert_eq!(mail.subject, "Two messages");
    for part in [&mail.text, &mail.html] {
        assert!(part.contains("Internal note by Anna"), "{part}");
        assert!(part.contains("VIP customer, handle with care"), "{part}");
        assert!(part.contains("2 selected messages"), "{part}");
        assert!(!part.contains("Hello, where is my order?"), "{part}");
        assert!(!part.contains("scan.pdf"), "{part}");
    }
    // Oldest first: the note was written before the client's message.
    let (n, s) = (
        mail.text.find("VIP customer").expect("note"),
        mail.text.find("<script>").expect("script"),
    );
    assert!(n < s, "messages out of order: {}", mail.text);
}

#[tokio::test]
async fn refusals_are_clear_and_send_nothing() {
    let smtp = Smtp::start();
    let fx = Fx::with_server_args(&["--smtp-url", &smtp.url(), "--mail-from", "desk@acme.test"]);
    let msgs = conversation(&fx).await;
    let anna = session(fx.anna);
    let path = format!("/api/v1/conversations/{}/email", fx.c1);
    let ok = json!({"to": "x@partner.test", "subject": "S"});

    // Visibility first: another group's operator and another company get 404.
    let got = fx.post_json(&session(fx.dave), &path, ok.clone()).await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found", "not found");
    let got = fx.post_json(&fx.other_admin_token, &path, ok.clone()).await;
    assert_error(&got, StatusCode::NOT_FOUND, "not_found", "not found");

    // Bad input.
    for (body, needle) in [
        (
            json!({"to": "not-an-address", "subject": "S"}),
            "not a valid email address",
        ),
        (json!({"to": "", "subject": "S"}), "recipient"),
        (
            json!({"to": "x@partner.test", "subject": "  "}),
            "Enter a subject",
        ),
        (
            json!({"to": "x@partner.test", "subject": "s".repeat(201)}),
            "at most 200",
        ),
        (
            json!({"to": "x@partner.test", "subject": "a\r\nBcc: y@z.test"}),
            "one line",
        ),
        (
            json!({"to": "x@partner.test", "subject": "S", "message_ids": []}),
            "at least one",
        ),
    ] {
        let got = fx.post_json(&anna, &path, body).await;
        assert_error(&got, StatusCode::BAD_REQUEST, "bad_request", needle);
    }
    let got = fx.post_json(&anna, &path, json!({"subject": "S"})).await;
    assert!(got.0.is_client_error(), "missing `to`: {got:?}");
    let foreign = fx.seed_get(fx.c2).await["messages"][0]["id"].clone();
    let got = fx
        .post_json(
            &anna,
            &path,
            json!({"to": "x@partner.test", "subject": "S", "message_ids": [msgs[0]["id"], foreign]}),
        )
        .await;
    assert_error(
        &got,
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("is not in conversation {}", fx.c1),
    );

    // The whitelist (Settings › Advanced): only a super-admin may read or change it;
    // addresses are normalized.
    let wl = "/api/v1/settings/email-whitelist";
    let got = fx.get(&anna, wl).await;
    assert_error(
        &got,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Only a super-admin can see or change Settings › Advanced",
    );
    let put = |token: String, body: Value| {
        let fx = &fx;
        async move {
            let resp = fx
                .http
                .put(fx.url(wl))
                .header("Authentication", token)
                .json(&body)
                .send()
                .await
                .expect("PUT");
            common::decode(resp).await
        }
    };
    let body = json!({"restrict": true, "addresses": ["Boss@Partner.test"]});
    let got = put(anna.clone(), body.clone()).await;
    assert_error(
        &got,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Only a super-admin can see or change Settings › Advanced",
    );
    let admin = session(fx.admin);
    let got = put(
        admin.clone(),
        json!({"restrict": true, "addresses": ["nope"]}),
    )
    .await;
    assert_error(
        &got,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "\"nope\" is not a valid",
    );
    let got = put(
        admin.clone(),
        json!({"restrict": true, "addresses": ["Boss@Partner.test", "boss@partner.test ", "a@b.test"]}),
    )
    .await;
    assert_eq!(got.0, StatusCode::OK, "{}", got.1);
    let stored = json!({"restrict": true, "addresses": ["a@b.test", "boss@partner.test"]});
    assert_eq!(got.1, stored);
    assert_eq!(fx.get(&admin, wl).await.1, stored);
    // "manage settings" is not Settings › Advanced: such an operator may not read it.
    grant(
        &fx,
        &[fx.olga],
        "Settings",
        Permissions {
            manage_settings: true,
            ..Permissions::default()
        },
    );
    assert_eq!(fx.get(&session(fx.olga), wl).await.0, StatusCode::FORBIDDEN);

    let got = fx.post_json(&anna, &path, ok.clone()).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "email whitelist");
    assert_eq!(smtp.count(), 0, "a refused request sent mail");

    // Whitelisted (any case), and the super-admin is not restricted.
    post_ok(
        &fx,
        &anna,
        &path,
        json!({"to": "BOSS@partner.test", "subject": "S"}),
    )
    .await;
    post_ok(&fx, &admin, &path, ok.clone()).await;
    assert_eq!(parse(&smtp.mail(2)).to, "x@partner.test");
    assert_eq!(smtp.count(), 2);
}

/// Two limits (seed, Settings › Advanced, "Email whitelist for downloading conversations":
/// "The function allows you to limit the ability for operators to download correspondence with
/// end-users and write down specific email addresses to which downloading is possible.
/// Super-admin account is not affected by this feature"; issue 11: the role permission
/// "download conversations"): the role says who may send, the whitelist where to.
#[tokio::test]
async fn the_role_says_who_may_send_and_the_whitelist_where_to() {
    let smtp = Smtp::start();
    let fx = Fx::with_server_args(&["--smtp-url", &smtp.url(), "--mail-from", "desk@acme.test"]);
    conversation(&fx).await;
    let anna = session(fx.anna);
    let admin = session(fx.admin);
    let olga = session(fx.olga);
    let path = format!("/api/v1/conversations/{}/email", fx.c1);
    let any = json!({"to": "x@partner.test", "subject": "S"});

    // Olga's role shows her the All tab (she is in no group: every conversation) but does
    // not let her export: she reads the conversation and may not mail it, whatever the address.
    grant(
        &fx,
        &[fx.olga],
        "Watcher",
        Permissions {
            show_all_tab: true,
            ..Permissions::default()
        },
    );
    let role: Value = fx.get(&olga, "/api/v1/me").await.1["permissions"].clone();
    assert_eq!(role["download_conversations"], false, "{role}");
    assert_eq!(
        fx.get(&olga, &format!("/api/v1/conversations/{}", fx.c1))
            .await
            .0,
        StatusCode::OK
    );
    let got = fx.post_json(&olga, &path, any.clone()).await;
    assert_error(
        &got,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Your role does not allow sending conversations by email (\"download conversations\")",
    );
    assert_eq!(smtp.count(), 0, "a refused export sent mail");

    // Anna's role has the flag: no whitelist yet, any address.
    post_ok(&fx, &anna, &path, any.clone()).await;
    assert_eq!(smtp.count(), 1);

    let resp = fx
        .http
        .put(fx.url("/api/v1/settings/email-whitelist"))
        .header("Authentication", admin.clone())
        .json(&json!({"restrict": true, "addresses": ["boss@partner.test"]}))
        .send()
        .await
        .expect("PUT whitelist");
    assert_eq!(resp.status(), StatusCode::OK);

    post_ok(
        &fx,
        &anna,
        &path,
        json!({"to": "boss@partner.test", "subject": "S"}),
    )
    .await;
    let got = fx.post_json(&anna, &path, any.clone()).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "email whitelist");
    // The flag does not open the whitelist, nor the whitelist the flag.
    let got = fx
        .post_json(
            &olga,
            &path,
            json!({"to": "boss@partner.test", "subject": "S"}),
        )
        .await;
    assert_error(
        &got,
        StatusCode::FORBIDDEN,
        "forbidden",
        "download conversations",
    );
    assert_eq!(smtp.count(), 2, "a refused export got mail");
    // The super-admin is affected by neither.
    post_ok(&fx, &admin, &path, any).await;
    assert_eq!(smtp.count(), 3);
    assert_eq!(parse(&smtp.mail(3)).to, "x@partner.test");
}

#[tokio::test]
async fn without_a_mail_server_the_answer_says_how_to_configure_one() {
    let fx = Fx::new();
    let got = fx
        .post_json(
            &session(fx.admin),
            &format!("/api/v1/conversations/{}/email", fx.c1),
            json!({"to": "x@partner.test", "subject": "S"}),
        )
        .await;
    assert_error(
        &got,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "This server has no mail server configured (start it with --smtp-url)",
    );
}

/// A fake SMTP server on a thread: `greeting` is sent on connect (`None`: silent), then the
/// connection is held open until the test ends.
fn fake_smtp(greeting: Option<&'static str>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            if let Some(g) = greeting {
                let _ = stream.write_all(g.as_bytes());
            }
            held.push(stream);
        }
    });
    port
}

async fn expect_bad_gateway(smtp_url: String, needle: &str) {
    let fx = Fx::with_server_args(&[
        "--smtp-url",
        &smtp_url,
        "--mail-from",
        "desk@acme.test",
        "--smtp-timeout-secs",
        "1",
    ]);
    let started = Instant::now();
    let got = fx
        .post_json(
            &session(fx.admin),
            &format!("/api/v1/conversations/{}/email", fx.c1),
            json!({"to": "x@partner.test", "subject": "S"}),
        )
        .await;
    assert_error(&got, StatusCode::BAD_GATEWAY, "bad_gateway", needle);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let msg = got.1["error"]["message"].as_str().unwrap_or_default();
    assert!(msg.contains("127.0.0.1:"), "names the host: {msg}");
}

#[tokio::test]
async fn a_failing_refusing_or_silent_mail_server_is_a_bounded_502() {
    // Nothing listens.
    expect_bad_gateway(
        format!("smtp://127.0.0.1:{}", free_port()),
        "Cannot reach the mail server",
    )
    .await;
    // The server refuses service from the start.
    let port = fake_smtp(Some("554 5.3.2 No service here\r\n"));
    expect_bad_gateway(format!("smtp://127.0.0.1:{port}"), "refused the mail").await;
    // The server accepts the connection and never says a word.
    let port = fake_smtp(None);
    expect_bad_gateway(format!("smtp://127.0.0.1:{port}"), "did not answer in time").await;
}

#[tokio::test]
async fn group_file_policies_are_listed_for_the_company_settings_dialog() {
    let fx = Fx::new();
    let path = "/api/v1/settings/groups/files";
    let got = fx.get(&session(fx.anna), path).await;
    assert_error(&got, StatusCode::FORBIDDEN, "forbidden", "super-admin");
    let admin = session(fx.admin);
    let resp = fx
        .http
        .put(fx.url(&format!("/api/v1/settings/groups/{}/files", fx.g2)))
        .header("Authentication", &admin)
        .json(&json!({"block_send": true, "block_receive": false}))
        .send()
        .await
        .expect("PUT");
    assert_eq!(resp.status(), StatusCode::OK);
    let (st, body) = fx.get(&admin, path).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!([
            {"group_id": fx.g1, "name": "1st line", "policy": {"block_send": false, "block_receive": false}},
            {"group_id": fx.g2, "name": "2nd line", "policy": {"block_send": true, "block_receive": false}},
        ])
    );
    // Another company's admin sees only their own (no) groups.
    assert_eq!(fx.get(&fx.other_admin_token, path).await.1, json!([]));
}

#[test]
fn bad_mail_settings_stop_the_server_at_start_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("sb.db");
    for (args, needle) in [
        (&["--smtp-url", "smtp://127.0.0.1:25"][..], "--mail-from"),
        (
            &["--smtp-url", "nonsense", "--mail-from", "desk@acme.test"][..],
            "--smtp-url is not a usable SMTP URL",
        ),
        (
            &[
                "--smtp-url",
                "smtp://127.0.0.1:25",
                "--mail-from",
                "not an address",
            ][..],
            "--mail-from \"not an address\" is not an email address",
        ),
    ] {
        let out = Command::new(common::BIN)
            .arg("--db")
            .arg(common::db_arg(&db))
            .args(["serve", "--listen", "127.0.0.1:0", "--files"])
            .arg(dir.path().join("files"))
            .args(args)
            .output()
            .expect("run switchboard-server");
        assert!(!out.status.success(), "{args:?} started");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
    }
}
