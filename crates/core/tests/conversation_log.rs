//! The conversation log through the desk against the real server (seed: "this will be
//! indicated in the conversation log"): a Start made in the app is listed with the operator's
//! name; without a connection the desk says the log needs one.

mod common;

use common::*;
use switchboard_core::{CoreError, ErrorKind};
use switchboard_protocol::LogAction;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_lists_the_movements_and_needs_a_connection() -> anyhow::Result<()> {
    let mut server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let token = login(&server, DEMO_ADMIN).await?.token;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &token, "log-client").await?;

    let log = desk.conversation_log(id).await?;
    let actions: Vec<LogAction> = log.iter().map(|e| e.action).collect();
    assert_eq!(
        actions[..2],
        [LogAction::Created, LogAction::Start],
        "{log:?}"
    );
    let start = &log[1];
    assert_eq!(start.operator_id, Some(desk.me().operator.id));
    assert_eq!(start.operator_name.as_deref(), Some("Admin"));

    server.kill();
    wait_offline(&desk, 30).await;
    let err = desk.conversation_log(id).await.expect_err("offline");
    assert!(matches!(err, CoreError::NeedsConnection(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Offline);
    assert!(
        err.to_string()
            .starts_with("The conversation log needs a connection to the server"),
        "{err}"
    );
    Ok(())
}
