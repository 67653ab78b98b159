//! "Send to Email" and the email whitelist through the desk against the real server: the
//! server's refusal comes through with its own message, and without a connection the desk
//! says the action needs one (nothing is queued).

mod common;

use common::*;
use switchboard_core::{CoreError, ErrorKind, ListQuery, Tab};
use switchboard_protocol::{EmailConversationRequest, EmailWhitelist};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_is_online_only_and_passes_the_servers_answer_on() -> anyhow::Result<()> {
    let mut server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = desk
        .list(&ListQuery {
            tab: Some(Tab::Unassigned),
            ..Default::default()
        })
        .await?
        .into_iter()
        .next()
        .expect("the demo has unassigned conversations")
        .id;
    let req = EmailConversationRequest {
        to: "lawyer@partner.test".into(),
        subject: "Conversation".into(),
        message_ids: None,
    };

    // The demo server runs without --smtp-url: its 422 and message reach the operator.
    let err = desk
        .email_conversation(id, req.clone())
        .await
        .expect_err("no mail server");
    assert_eq!(err.kind(), ErrorKind::InvalidState, "{err}");
    assert!(err.to_string().contains("--smtp-url"), "{err}");

    // The whitelist round-trips, normalized by the server.
    let stored = desk
        .set_email_whitelist(EmailWhitelist {
            restrict: true,
            addresses: vec!["Lawyer@Partner.test".into()],
        })
        .await?;
    assert_eq!(stored.addresses, ["lawyer@partner.test"]);
    assert_eq!(desk.email_whitelist().await?, stored);

    server.kill();
    wait_offline(&desk, 30).await;
    let err = desk.email_conversation(id, req).await.expect_err("offline");
    assert!(matches!(err, CoreError::NeedsConnection(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Offline);
    assert!(
        err.to_string()
            .starts_with("Sending by email needs a connection to the server"),
        "{err}"
    );
    Ok(())
}
