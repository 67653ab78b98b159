//! The directory over REST (`/api/v1/operators`, `/groups`, `/roles`) against the real
//! binary: what an admin does, what an operator with "manage operators" may and may not do
//! (no way up), and what the affected operator sees at once.

mod common;

use std::time::Duration;

use common::{session, Fx, Ws};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use switchboard_protocol::{Id, Permissions};
use switchboard_server::auth::token_hash;
use switchboard_server::storage::{roles, tokens};

async fn login(fx: &Fx, email: &str, password: &str) -> (StatusCode, Value) {
    let req = fx
        .http
        .post(fx.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}));
    common::decode(req.send().await.expect("login")).await
}

/// An operator of the 1st line whose role has only "manage operators"; returns their token.
fn team_lead(fx: &Fx) -> String {
    let g1 = fx.g1;
    let token = "sbs_lead".to_string();
    let t = token.clone();
    fx.db()
        .write_blocking(move |ctx| {
            let company =
                switchboard_server::storage::operators::by_email(ctx.tx, "boss@acme.test")?
                    .expect("admin")
                    .0
                    .company_id;
            let role = roles::insert(
                ctx.tx,
                company,
                "Team lead",
                &Permissions {
                    manage_operators: true,
                    ..Permissions::default()
                },
            )?;
            let id = switchboard_server::storage::operators::insert(
                ctx.tx,
                &switchboard_server::storage::operators::NewOperator {
                    company_id: company,
                    name: "Lea Lead",
                    email: "lea@acme.test",
                    password_hash: "x",
                    super_admin: false,
                    role_id: Some(role),
                },
                0,
            )?;
            switchboard_server::storage::operators::add_to_group(ctx.tx, id, g1)?;
            tokens::insert_session(
                ctx.tx,
                id,
                &token_hash(&t),
                switchboard_server::service::now_ms(),
            )?;
            Ok(())
        })
        .expect("team lead");
    token
}

fn role_id(fx: &Fx, name: &'static str) -> Id {
    fx.db()
        .read_blocking(move |conn| {
            Ok(roles::list(conn, 1)?
                .into_iter()
                .chain(roles::list(conn, 2)?)
                .find(|r| r.name == name)
                .expect("role")
                .id)
        })
        .expect("read roles")
}

/// An events socket at the live end: after its hello nothing is replayed.
async fn live_events(fx: &Fx, token: &str) -> Ws {
    let mut probe = fx.events(token, 0).await;
    let hello: Value = serde_json::from_str(next_frame(&mut probe).await.to_text().expect("hello"))
        .expect("hello JSON");
    let seq = hello["seq"].as_i64().expect("seq in the hello");
    let mut ws = fx.events(token, seq).await;
    let first = next_frame(&mut ws).await;
    assert!(first.to_text().expect("text").contains("hello"), "{first}");
    ws
}

/// The next text or close frame (pings skipped).
async fn next_frame(ws: &mut Ws) -> tokio_tungstenite::tungstenite::Message {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::Message;
    loop {
        let m = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .expect("a frame in time")
            .expect("socket open")
            .expect("frame");
        if matches!(m, Message::Text(_) | Message::Close(_)) {
            return m;
        }
    }
}

#[tokio::test]
async fn the_admin_adds_an_operator_who_signs_in_with_the_one_time_password() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let (st, made) = fx
        .call(
            &admin,
            Method::POST,
            "/api/v1/operators",
            Some(
                json!({"email": "Nina@Acme.test", "name": " Nina New ", "group_ids": [fx.g1, fx.g1],
            "role_id": role_id(&fx, "Operator")}),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    assert_eq!(made["operator"]["name"], "Nina New");
    assert_eq!(made["operator"]["group_ids"], json!([fx.g1]));
    let password = made["one_time_password"]
        .as_str()
        .expect("one-time password");
    let (st, body) = login(&fx, "nina@acme.test", password).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let nina = made["operator"]["id"].as_i64().expect("id");
    let token = body["token"].as_str().expect("token").to_string();

    // The list shows her; the password is never shown again.
    let (st, list) = fx
        .call(&admin, Method::GET, "/api/v1/operators", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert!(list
        .as_array()
        .expect("list")
        .iter()
        .any(|o| o["id"] == nina));
    assert!(!list.to_string().contains(password));

    // A reset signs her out and gives a new one-time password.
    let (st, reset) = fx
        .call(
            &admin,
            Method::POST,
            &format!("/api/v1/operators/{nina}/password"),
            Some(json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{reset}");
    let fresh = reset["one_time_password"].as_str().expect("new password");
    assert_ne!(fresh, password);
    assert_eq!(
        fx.call(&token, Method::GET, "/api/v1/me", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&fx, "nina@acme.test", password).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login(&fx, "nina@acme.test", fresh).await.0, StatusCode::OK);

    // The action log says who did it, from where.
    let rows: Vec<(String, Option<i64>, Option<String>)> = fx
        .db()
        .read_blocking(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT action, actor_operator_id, ip FROM action_log WHERE target_type = 'operator' AND target_id = ?1 ORDER BY id",
            )?;
            let rows = stmt
                .query_map([nina], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<switchboard_server::storage::sql::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .expect("log");
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["operator_created", "password_reset"]);
    assert!(
        rows.iter()
            .all(|r| r.1 == Some(fx.admin) && r.2.as_deref() == Some("127.0.0.1")),
        "{rows:?}"
    );
}

#[tokio::test]
async fn deactivating_an_operator_closes_their_open_app_at_once() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let mut ws = live_events(&fx, &session(fx.anna)).await;
    let (st, op) = fx
        .call(
            &admin,
            Method::PATCH,
            &format!("/api/v1/operators/{}", fx.anna),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{op}");
    assert_eq!(op["active"], false);
    // The next frame is the close itself: the change that deactivated her closed the socket
    // before it was forwarded (the periodic check would have let the record through first).
    match next_frame(&mut ws).await {
        tokio_tungstenite::tungstenite::Message::Close(Some(f)) => {
            assert_eq!(u16::from(f.code), 4401)
        }
        other => panic!("expected the 4401 close, got {other}"),
    }
    assert_eq!(
        fx.call(&session(fx.anna), Method::GET, "/api/v1/me", None)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // DELETE is the same deactivation; nobody deactivates themself.
    assert_eq!(
        fx.call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/operators/{}", fx.bob),
            None
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (st, body) = fx
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/operators/{}", fx.admin),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.to_string().contains("cannot deactivate yourself"),
        "{body}"
    );
}

#[tokio::test]
async fn a_team_lead_manages_operators_but_cannot_go_beyond_their_own_rights() {
    let fx = Fx::new();
    let lead = team_lead(&fx);
    let supervisor = role_id(&fx, "Supervisor");
    let operator_role = role_id(&fx, "Operator");
    // Allowed: a plain operator, a group, a role within the lead's own permissions.
    let (st, made) = fx.call(&lead, Method::POST, "/api/v1/operators",
        Some(json!({"email": "omar@acme.test", "name": "Omar", "role_id": operator_role, "password": "s3cret-pass"}))).await;
    assert_eq!(st, StatusCode::CREATED, "{made}");
    assert!(
        made.get("one_time_password").is_none(),
        "a given password is not echoed"
    );
    let (st, _) = fx
        .call(
            &lead,
            Method::POST,
            "/api/v1/groups",
            Some(json!({"name": "Billing"})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, _) = fx.call(&lead, Method::POST, "/api/v1/roles",
        Some(json!({"name": "Helpers", "permissions": {"conversations_management": false, "show_all_tab": false,
            "manage_operators": true, "manage_settings": false, "view_analytics": false, "outgoing_whatsapp": false,
            "view_action_log": false, "download_conversations": false}}))).await;
    assert_eq!(st, StatusCode::CREATED);

    // Refused: a role with more than the lead has, giving such a role, touching the super-admin.
    let (st, body) = fx.call(&lead, Method::POST, "/api/v1/roles",
        Some(json!({"name": "Boss", "permissions": {"conversations_management": false, "show_all_tab": false,
            "manage_operators": true, "manage_settings": true, "view_analytics": false, "outgoing_whatsapp": false,
            "view_action_log": false, "download_conversations": false}}))).await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    assert!(
        body.to_string()
            .contains("permissions you do not have yourself: manage_settings"),
        "{body}"
    );
    let (st, body) = fx
        .call(
            &lead,
            Method::PATCH,
            &format!("/api/v1/operators/{}", fx.anna),
            Some(json!({"role_id": supervisor})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{body}");
    let (st, _) = fx
        .call(
            &lead,
            Method::PATCH,
            &format!("/api/v1/roles/{supervisor}"),
            Some(json!({"name": "Sup"})),
        )
        .await;
    assert_eq!(
        st,
        StatusCode::FORBIDDEN,
        "a role beyond the lead's rights stays as it is"
    );
    for (method, path) in [
        (Method::PATCH, format!("/api/v1/operators/{}", fx.admin)),
        (Method::DELETE, format!("/api/v1/operators/{}", fx.admin)),
        (
            Method::POST,
            format!("/api/v1/operators/{}/password", fx.admin),
        ),
    ] {
        let body = (method != Method::DELETE).then(|| json!({"name": "Pwned"}));
        let (st, got) = fx.call(&lead, method.clone(), &path, body).await;
        assert_eq!(st, StatusCode::FORBIDDEN, "{method} {path}: {got}");
    }
    // Bad input: clear 4xx, nothing changed.
    for (body, needle) in [
        (
            json!({"email": "anna@acme.test", "name": "Again"}),
            "already exists",
        ),
        (
            json!({"email": "x@acme.test", "name": ""}),
            "name must be 1 to 200",
        ),
        (
            json!({"email": "x@acme.test", "name": "X", "group_ids": [999_999]}),
            "Group 999999 not found",
        ),
        (
            json!({"email": "x@acme.test", "name": "X", "role_id": 999_999}),
            "Role 999999 not found",
        ),
        (json!({"email": "nope", "name": "X"}), "is not an email"),
    ] {
        let (st, got) = fx
            .call(&lead, Method::POST, "/api/v1/operators", Some(body.clone()))
            .await;
        assert!(st.is_client_error(), "{body}: {st} {got}");
        assert!(got.to_string().contains(needle), "{body}: {got}");
    }
    let (st, got) = fx
        .call(
            &lead,
            Method::POST,
            "/api/v1/groups",
            Some(json!({"name": "X", "color": "blue"})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{got}");
}

#[tokio::test]
async fn a_role_change_applies_to_its_operators_at_once() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let operator_role = role_id(&fx, "Operator");
    let anna = session(fx.anna);
    let (_, me) = fx.call(&anna, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["permissions"]["show_all_tab"], false);
    let mut ws = live_events(&fx, &anna).await;
    let (st, role) = fx.call(&admin, Method::PATCH, &format!("/api/v1/roles/{operator_role}"),
        Some(json!({"permissions": {"conversations_management": false, "show_all_tab": true,
            "manage_operators": false, "manage_settings": false, "view_analytics": false, "outgoing_whatsapp": false,
            "view_action_log": false, "download_conversations": false}}))).await;
    assert_eq!(st, StatusCode::OK, "{role}");
    let (_, me) = fx.call(&anna, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["permissions"]["show_all_tab"], true, "{me}");
    // Her app hears of it: her own operator record comes down the socket.
    let frame = next_frame(&mut ws).await;
    let text = frame.to_text().expect("a change");
    assert!(
        text.contains("\"operator\"") && text.contains(&format!("\"id\":{}", fx.anna)),
        "{text}"
    );
    // A role still held cannot be deleted.
    let (st, body) = fx
        .call(
            &admin,
            Method::DELETE,
            &format!("/api/v1/roles/{operator_role}"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(
        body.to_string().contains("give them another role first"),
        "{body}"
    );
}

#[tokio::test]
async fn a_group_with_conversations_is_deleted_only_with_somewhere_to_move_them() {
    let fx = Fx::new();
    let admin = session(fx.admin);
    let path = format!("/api/v1/groups/{}", fx.g2);
    let (st, body) = fx.call(&admin, Method::DELETE, &path, None).await;
    assert_eq!(st, StatusCode::CONFLICT, "{body}");
    assert!(
        body.to_string()
            .contains("2 conversation(s) and 1 channel(s)"),
        "{body}"
    );
    let (st, body) = fx
        .call(
            &admin,
            Method::DELETE,
            &format!("{path}?move_to={}", fx.g2),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
    let (st, _) = fx
        .call(
            &admin,
            Method::DELETE,
            &format!("{path}?move_to={}", fx.g1),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    // Its conversations are now the 1st line's, and Dave (who was only in it) is in no group.
    let (st, conv) = fx
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/conversations/{}", fx.c4),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{conv}");
    assert_eq!(conv["group_id"], fx.g1, "{conv}");
    let (_, dave) = fx
        .call(
            &admin,
            Method::GET,
            &format!("/api/v1/operators/{}", fx.dave),
            None,
        )
        .await;
    assert_eq!(dave["group_ids"], json!([]));
    let (st, _) = fx.call(&admin, Method::GET, &path, None).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Anna (1st line) now sees the moved conversation.
    let (st, _) = fx
        .call(
            &session(fx.anna),
            Method::GET,
            &format!("/api/v1/conversations/{}", fx.c4),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK);
}
