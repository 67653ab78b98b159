//! Assignment, client pinning, the blacklist and outgoing WhatsApp (issue 4, `assign`) against
//! the real binary: who may do what (403), other companies' ids (404), and where conversations
//! land afterwards.

mod common;

use common::{assert_error, session, Fx};
use reqwest::StatusCode;
use serde_json::{json, Value};
use switchboard_protocol::{Id, Permissions};
use switchboard_server::storage::roles;

async fn act(fx: &Fx, token: &str, conv: Id, key: &str, action: Value) -> (StatusCode, Value) {
    let mut body = action;
    body["action_id"] = json!(key);
    fx.post_json(
        token,
        &format!("/api/v1/conversations/{conv}/actions"),
        body,
    )
    .await
}

async fn client_of(fx: &Fx, conv: Id) -> Id {
    fx.seed_get(conv).await["client"]["id"]
        .as_i64()
        .expect("client id")
}

#[tokio::test]
async fn assign_to_operator_and_group_follow_the_rules() {
    let fx = Fx::new();
    let (anna, bob, dave, sue) = (
        session(fx.anna),
        session(fx.bob),
        session(fx.dave),
        session(fx.sue),
    );
    // Anna (1st line) may not hand a conversation to Dave (2nd line only).
    assert_error(
        &act(
            &fx,
            &anna,
            fx.c1,
            "a1",
            json!({"action": "assign_operator", "operator_id": fx.dave}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "your own groups",
    );
    // …but to Bob, who shares her group: it lands in Bob's inbox and the log says who did it.
    let (st, conv) = act(
        &fx,
        &anna,
        fx.c1,
        "a2",
        json!({"action": "assign_operator", "operator_id": fx.bob}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(
        (conv["status"].as_str(), conv["operator_id"].as_i64()),
        (Some("inbox"), Some(fx.bob))
    );
    let (_, log) = fx
        .get(&bob, &format!("/api/v1/conversations/{}/log", fx.c1))
        .await;
    let last = log
        .as_array()
        .and_then(|l| l.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (last["action"].as_str(), last["operator_id"].as_i64()),
        (Some("assign_operator"), Some(fx.anna))
    );
    // Typed: who did it and whom it names, by id and by name, for the app's log panel.
    assert_eq!(last["operator_name"], "Anna");
    assert_eq!(last["details"]["operator_id"], fx.bob);
    assert_eq!(last["subject_name"], "Bob");
    // Now in Bob's inbox: Anna cannot move it on, even to a group.
    assert_error(
        &act(
            &fx,
            &anna,
            fx.c1,
            "a3",
            json!({"action": "assign_group", "group_id": fx.g2}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "",
    );
    // Sue manages conversations: she may assign anyone's conversation to anyone.
    let (st, conv) = act(
        &fx,
        &sue,
        fx.c1,
        "a4",
        json!({"action": "assign_operator", "operator_id": fx.dave}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(conv["operator_id"], fx.dave);
    // Dave sends it to the 1st line: Unassigned of the 1st line, out of Dave's view.
    let (st, conv) = act(
        &fx,
        &dave,
        fx.c1,
        "a5",
        json!({"action": "assign_group", "group_id": fx.g1}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(
        (conv["status"].as_str(), conv["group_id"].as_i64()),
        (Some("unassigned"), Some(fx.g1))
    );
    assert_eq!(
        fx.get(&dave, &format!("/api/v1/conversations/{}", fx.c1))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fx.get(&anna, &format!("/api/v1/conversations/{}", fx.c1))
            .await
            .0,
        StatusCode::OK
    );
    // Other companies' ids are unknown.
    let olga = session(fx.olga);
    assert_eq!(
        act(
            &fx,
            &fx.other_admin_token,
            fx.c2,
            "a6",
            json!({"action": "assign_group", "group_id": fx.g2})
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    assert_error(
        &act(
            &fx,
            &olga,
            fx.c2,
            "a7",
            json!({"action": "assign_group", "group_id": 999_999}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Group 999999",
    );
}

#[tokio::test]
async fn show_all_tab_alone_does_not_take_from_other_inboxes() {
    let fx = Fx::new();
    // Bob gets a role with the All tab but without conversations management.
    let db = fx.db();
    db.write_blocking(|ctx| {
        let company: Id = ctx.tx.query_row(
            "SELECT company_id FROM operators WHERE id = ?1",
            [fx.bob],
            |r| r.get(0),
        )?;
        let role = roles::insert(
            ctx.tx,
            company,
            "Viewer",
            &Permissions {
                show_all_tab: true,
                ..Permissions::default()
            },
        )?;
        ctx.tx.execute(
            "UPDATE operators SET role_id = ?1 WHERE id = ?2",
            [role, fx.bob],
        )?;
        Ok(())
    })
    .expect("role");
    let (anna, bob) = (session(fx.anna), session(fx.bob));
    assert_eq!(
        act(&fx, &anna, fx.c2, "s1", json!({"action": "start"}))
            .await
            .0,
        StatusCode::OK
    );
    // Bob sees Anna's inbox in All, but cannot take it out of her inbox.
    assert_eq!(
        fx.get(&bob, &format!("/api/v1/conversations/{}", fx.c2))
            .await
            .0,
        StatusCode::OK
    );
    assert_error(
        &act(
            &fx,
            &bob,
            fx.c2,
            "s2",
            json!({"action": "assign_operator", "operator_id": fx.bob}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "another operator's inbox",
    );
    assert_error(
        &act(
            &fx,
            &bob,
            fx.c2,
            "s3",
            json!({"action": "assign_group", "group_id": fx.g2}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "another operator's inbox",
    );
}

#[tokio::test]
async fn pinning_rules_and_routing_after_someone_else_closed() {
    let fx = Fx::new();
    let (anna, bob, admin) = (session(fx.anna), session(fx.bob), session(fx.admin));
    let client = client_of(&fx, fx.c1).await;
    let pin = |token: String, op: Value| {
        let fx = &fx;
        async move {
            fx.post_json(
                &token,
                &format!("/api/v1/clients/{client}/pin"),
                json!({"operator_id": op}),
            )
            .await
        }
    };
    // An operator pins only to themself.
    assert_error(
        &pin(anna.clone(), json!(fx.bob)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "themself",
    );
    let (st, conv) = pin(anna.clone(), json!(fx.anna)).await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(conv["client"]["pinned_operator_id"], fx.anna);
    // Bob can neither take over nor detach Anna's pin; the admin can detach any.
    let refused = pin(bob.clone(), json!(fx.bob)).await;
    assert_error(&refused, StatusCode::CONFLICT, "conflict", "pinned to Anna");
    // The facts travel as fields, so the app never parses the sentence.
    assert_eq!(refused.1["error"]["detail"]["kind"], "pinned_to");
    assert_eq!(refused.1["error"]["detail"]["operator_id"], fx.anna);
    assert_error(
        &pin(bob.clone(), Value::Null).await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "detach",
    );
    let (st, conv) = pin(admin.clone(), Value::Null).await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(conv["client"]["pinned_operator_id"], Value::Null);
    // The admin may pin to anyone; Anna pins again to herself after the admin detached.
    let (st, _) = pin(admin.clone(), json!(fx.bob)).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = pin(admin.clone(), json!(fx.anna)).await;
    assert_eq!(st, StatusCode::OK);
    // Other company: the client does not exist for them; unknown operators are 404.
    assert_eq!(
        pin(fx.other_admin_token.clone(), Value::Null).await.0,
        StatusCode::NOT_FOUND
    );
    assert_error(
        &pin(admin.clone(), json!(999_999)).await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Operator 999999",
    );

    // Anna hands the conversation to Bob, Bob closes it; the client writes again: it skips
    // Unassigned and lands in Anna's inbox (the pinner), not Bob's.
    assert_eq!(
        act(&fx, &anna, fx.c1, "p1", json!({"action": "start"}))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        act(
            &fx,
            &anna,
            fx.c1,
            "p2",
            json!({"action": "assign_operator", "operator_id": fx.bob})
        )
        .await
        .0,
        StatusCode::OK
    );
    let (st, closed) = act(&fx, &bob, fx.c1, "p3", json!({"action": "close"})).await;
    assert_eq!(
        (st, closed["closed_by"].as_i64()),
        (StatusCode::OK, Some(fx.bob))
    );
    let (st, _) = fx.inbound(fx.tg, "tg-secret", "t1", "Me again").await;
    assert_eq!(st, StatusCode::OK);
    let got = fx.seed_get(fx.c1).await;
    assert_eq!(
        (got["status"].as_str(), got["operator_id"].as_i64()),
        (Some("inbox"), Some(fx.anna))
    );
}

#[tokio::test]
async fn blacklist_needs_the_blacklist_tab_and_hides_new_messages() {
    let fx = Fx::new();
    let (anna, sue, olga) = (session(fx.anna), session(fx.sue), session(fx.olga));
    let client = client_of(&fx, fx.c2).await;
    let path = format!("/api/v1/clients/{client}/blacklist");
    assert_error(
        &fx.post_json(&anna, &path, json!({"blacklisted": true}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Blacklist tab",
    );
    assert_eq!(
        fx.post_json(&fx.other_admin_token, &path, json!({"blacklisted": true}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (st, conv) = fx
        .post_json(&sue, &path, json!({"blacklisted": true}))
        .await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(conv["client"]["blacklisted"], true);
    // A new message is stored but reaches nobody without the Blacklist tab: not in
    // Unassigned, no unread.
    fx.inbound(fx.tg, "tg-secret", "t2", "Are you there?").await;
    assert_eq!(
        fx.seed_get(fx.c2).await["messages"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    for token in [&anna, &olga] {
        assert_eq!(
            fx.get(token, &format!("/api/v1/conversations/{}", fx.c2))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        let (_, list) = fx.get(token, "/api/conversations/unassigned").await;
        assert!(!list["data"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == fx.c2));
        let (_, unread) = fx.get(token, "/api/conversations/unread").await;
        assert!(!unread["data"]
            .as_array()
            .expect("list")
            .iter()
            .any(|c| c["id"] == fx.c2));
    }
    // Unlock: again only with the Blacklist tab.
    assert_error(
        &fx.post_json(
            &olga,
            &format!("/api/v1/clients/{}/blacklist", client_of(&fx, fx.c4).await),
            json!({"blacklisted": false}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Blacklist tab",
    );
    let (st, conv) = fx
        .post_json(&sue, &path, json!({"blacklisted": false}))
        .await;
    assert_eq!(
        (st, conv["client"]["blacklisted"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    assert_eq!(
        fx.get(&anna, &format!("/api/v1/conversations/{}", fx.c2))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn outgoing_whatsapp_needs_the_permission_and_lands_in_my_inbox() {
    let fx = Fx::new();
    let wa = fx.whatsapp_channel(&[fx.anna]);
    let (anna, bob) = (session(fx.anna), session(fx.bob));
    let body = json!({"phone": "+49 (30) 123-4567", "client_name": "Hans", "text": "Hello from Acme", "client_msg_id": "wa-1"});
    assert_error(
        &fx.post_json(&bob, "/api/v1/outgoing/whatsapp", body.clone())
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "Outgoing WhatsApp",
    );
    let (st, conv) = fx
        .post_json(&anna, "/api/v1/outgoing/whatsapp", body.clone())
        .await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(
        (conv["status"].as_str(), conv["operator_id"].as_i64()),
        (Some("inbox"), Some(fx.anna))
    );
    assert_eq!(conv["channel_account_id"], wa);
    assert_eq!(conv["client"]["external_id"], "49301234567");
    assert_eq!(conv["client"]["display_name"], "Hans");
    assert_eq!(conv["last_message_from_operator"], true);
    let id = conv["id"].as_i64().expect("id");
    let msgs = fx.seed_get(id).await["messages"].clone();
    assert_eq!(msgs.as_array().map(Vec::len), Some(1));
    assert_eq!(
        (msgs[0]["kind"].as_str(), msgs[0]["text"].as_str()),
        (Some("operator"), Some("Hello from Acme"))
    );
    // A repeat (same client_msg_id) is the same conversation and message.
    let (st, again) = fx
        .post_json(&anna, "/api/v1/outgoing/whatsapp", body.clone())
        .await;
    assert_eq!((st, again["id"].as_i64()), (StatusCode::OK, Some(id)));
    assert_eq!(
        fx.seed_get(id).await["messages"].as_array().map(Vec::len),
        Some(1)
    );
    // Bad input and groups that are not hers.
    assert_error(
        &fx.post_json(
            &anna,
            "/api/v1/outgoing/whatsapp",
            json!({"phone": "12ab", "text": "x"}),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
        "phone",
    );
    assert_error(
        &fx.post_json(
            &anna,
            "/api/v1/outgoing/whatsapp",
            json!({"phone": "+15550111", "text": "x", "group_id": fx.g2}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
        "your own groups",
    );
    assert_error(
        &fx.post_json(
            &anna,
            "/api/v1/outgoing/whatsapp",
            json!({"phone": "+15550111", "text": "x", "group_id": 999_999}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
        "Group 999999",
    );
    // Another company without a WhatsApp account: a clear 422.
    assert_error(
        &fx.post_json(
            &fx.other_admin_token,
            "/api/v1/outgoing/whatsapp",
            json!({"phone": "+15550111", "text": "x"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_state",
        "WhatsApp",
    );
}
