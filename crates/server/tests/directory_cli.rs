//! The directory from the command line (a headless install has no app yet): `group add`,
//! `role add`, `operator add|list|deactivate|reactivate`, against the real binary and a
//! running server that sees each change.

mod common;

use common::{cli, Fx};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn login(fx: &Fx, email: &str, password: &str) -> (StatusCode, Value) {
    let req = fx
        .http
        .post(fx.url("/api/v1/auth/login"))
        .json(&json!({"email": email, "password": password}));
    common::decode(req.send().await.expect("login")).await
}

#[tokio::test]
async fn an_admin_adds_a_group_a_role_and_an_operator_who_signs_in_then_is_deactivated() {
    let fx = Fx::new();
    let group = cli(
        &fx.db_path,
        &["group", "add", "Billing", "--color", "#10B981"],
    );
    let group: i64 = group.trim().parse().expect("group id alone on stdout");
    let role = cli(
        &fx.db_path,
        &["role", "add", "Lead", "--permission", "show_all_tab"],
    );
    let role: i64 = role.trim().parse().expect("role id alone on stdout");

    let out = cli(
        &fx.db_path,
        &[
            "operator",
            "add",
            "--email",
            "nina@acme.test",
            "--name",
            "Nina New",
            "--role",
            "lead",
            "--group",
            "billing",
        ],
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "id and one-time password alone: {out:?}");
    let nina: i64 = lines[0].parse().expect("operator id");
    let password = lines[1];

    let (st, body) = login(&fx, "nina@acme.test", password).await;
    assert_eq!(st, StatusCode::OK, "{body}");
    let me = &body["me"];
    assert_eq!(me["operator"]["id"], nina);
    assert_eq!(me["operator"]["name"], "Nina New");
    assert_eq!(me["operator"]["group_ids"], json!([group]));
    assert_eq!(me["operator"]["role_id"], role);
    assert_eq!(me["permissions"]["show_all_tab"], true);
    assert_eq!(me["permissions"]["manage_operators"], false);
    let token = body["token"].as_str().expect("token").to_string();
    // A colleague's app learns of the group and the operator from the directory.
    let (st, dir) = fx.get(&common::session(fx.anna), "/api/v1/directory").await;
    assert_eq!(st, StatusCode::OK, "{dir}");
    let groups = dir["groups"].as_array().expect("groups");
    assert!(
        groups
            .iter()
            .any(|g| g["id"] == group && g["name"] == "Billing" && g["color"] == "#10b981"),
        "{dir}"
    );

    let listing = cli(&fx.db_path, &["operator", "list"]);
    let row = listing
        .lines()
        .find(|l| l.contains("nina@acme.test"))
        .unwrap_or_else(|| panic!("Nina in {listing}"));
    assert!(
        row.contains("\"Nina New\"") && row.contains("operator"),
        "{row}"
    );
    assert!(!listing.contains(password), "the list shows no password");

    let out = cli(
        &fx.db_path,
        &["operator", "deactivate", "--email", "nina@acme.test"],
    );
    assert!(out.contains("1 session(s) ended"), "{out}");
    let (st, _) = fx.get(&token, "/api/v1/me").await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "her open session ended");
    let (st, _) = login(&fx, "nina@acme.test", password).await;
    assert_eq!(st, StatusCode::UNAUTHORIZED, "she cannot sign in again");
    let listing = cli(&fx.db_path, &["operator", "list"]);
    assert!(
        listing
            .lines()
            .any(|l| l.contains("nina@acme.test") && l.contains("deactivated")),
        "{listing}"
    );

    cli(
        &fx.db_path,
        &["operator", "reactivate", "--email", "nina@acme.test"],
    );
    let (st, body) = login(&fx, "nina@acme.test", password).await;
    assert_eq!(st, StatusCode::OK, "reactivated: {body}");
}

#[tokio::test]
async fn a_given_password_is_not_printed_and_bad_input_adds_nothing() {
    let fx = Fx::new();
    let out = cli(
        &fx.db_path,
        &[
            "operator",
            "add",
            "--email",
            "paul@acme.test",
            "--name",
            "Paul",
            "--password",
            "correct horse",
        ],
    );
    assert_eq!(out.lines().count(), 1, "only the id: {out:?}");
    let (st, body) = login(&fx, "paul@acme.test", "correct horse").await;
    assert_eq!(st, StatusCode::OK, "{body}");
    assert_eq!(body["me"]["operator"]["group_ids"], json!([]));

    let before = cli(&fx.db_path, &["operator", "list"]);
    let add = |extra: &[&'static str]| {
        let mut args = vec!["operator", "add", "--name", "X"];
        args.extend_from_slice(extra);
        args
    };
    common::cli_refused(
        &fx.db_path,
        &add(&["--email", "paul@acme.test"]),
        "already exists",
    );
    common::cli_refused(
        &fx.db_path,
        &add(&["--email", "not-an-email"]),
        "is not an email",
    );
    common::cli_refused(
        &fx.db_path,
        &add(&["--email", "x@acme.test", "--role", "Astronaut"]),
        "No role \"Astronaut\"",
    );
    common::cli_refused(
        &fx.db_path,
        &add(&["--email", "x@acme.test", "--group", "Moon base"]),
        "No group \"Moon base\"",
    );
    common::cli_refused(
        &fx.db_path,
        &["operator", "deactivate", "--email", "nobody@acme.test"],
        "No operator with email",
    );
    assert_eq!(
        cli(&fx.db_path, &["operator", "list"]),
        before,
        "nothing was added"
    );
    common::cli_refused(
        &fx.db_path,
        &["role", "add", "Pilot", "--permission", "fly"],
        "No permission \"fly\"; the permissions are",
    );
    common::cli_refused(
        &fx.db_path,
        &["group", "add", "Sales", "--color", "red"],
        "not a colour",
    );
    common::cli_refused(
        &fx.db_path,
        &["group", "add", "  "],
        "must be 1 to 200 characters",
    );
    cli(&fx.db_path, &["group", "add", "Sales"]);
    common::cli_refused(&fx.db_path, &["group", "add", "sales"], "already exists");
}
