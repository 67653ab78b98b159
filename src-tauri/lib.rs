//! The Tauri shell of the desktop app: wiring only. It builds the window, registers the typed
//! IPC commands (bindings generated with tauri-specta into `ui/src/lib/bindings.ts`) and
//! forwards the core's change notifications to the UI as events. All behaviour is in
//! `switchboard-core`.

mod commands;
mod creds;
mod error;
mod events;
mod notify;
mod session;
mod state;
mod tray;
mod window;

use tauri::Manager;

pub use error::UiError;

/// The typed IPC surface: every command and event the UI may use.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    use commands::{
        admin, advanced, assign, attachments, autostart, canned, conversations, email, notify,
        outbox, profile, ready, session, settings, typing, updates, webhooks,
    };
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            session::restore_session,
            session::keychain_status,
            session::default_server_url,
            session::sign_in,
            session::sign_out,
            session::remember_tab,
            admin::admin_operators,
            admin::admin_create_operator,
            admin::admin_update_operator,
            admin::admin_reset_password,
            admin::admin_groups,
            admin::admin_create_group,
            admin::admin_update_group,
            admin::admin_delete_group,
            admin::admin_roles,
            admin::admin_create_role,
            admin::admin_update_role,
            admin::admin_delete_role,
            admin::admin_channels,
            admin::admin_create_channel,
            admin::admin_update_channel,
            admin::admin_delete_channel,
            admin::admin_rotate_channel_secret,
            admin::change_password,
            conversations::list_conversations,
            conversations::tab_counts,
            conversations::open_conversation,
            conversations::older_messages,
            conversations::send_message,
            conversations::conversation_action,
            conversations::conversation_log,
            conversations::conn_state,
            conversations::retry_outbox_item,
            conversations::discard_outbox_item,
            outbox::desk_notices,
            assign::assign_menu,
            assign::filter_options,
            assign::pin_client,
            assign::blacklist_client,
            assign::outgoing_whatsapp,
            canned::canned_responses,
            canned::add_canned_response,
            canned::edit_canned_response,
            canned::delete_canned_response,
            profile::client_notes,
            profile::refresh_client_notes,
            profile::add_client_note,
            profile::rename_client,
            profile::tags,
            profile::message_tags,
            profile::tag_messages,
            profile::retry_delivery,
            attachments::pick_file,
            attachments::attach_file,
            attachments::cancel_upload,
            attachments::open_attachment,
            attachments::attachment_preview,
            notify::notify_settings,
            autostart::autostart_enabled,
            autostart::set_autostart,
            notify::set_notify_settings,
            notify::set_conversation_muted,
            notify::set_open_conversation,
            email::email_conversation,
            email::email_whitelist,
            email::set_email_whitelist,
            settings::group_files,
            settings::set_group_files,
            typing::set_typing,
            advanced::action_log,
            advanced::export_action_log,
            advanced::ip_whitelist,
            advanced::set_ip_whitelist,
            advanced::personal_data,
            advanced::set_personal_data,
            advanced::iframe_settings,
            advanced::set_iframe_settings,
            webhooks::webhooks,
            webhooks::create_webhook,
            webhooks::update_webhook,
            webhooks::delete_webhook,
            webhooks::rotate_webhook_secret,
            webhooks::webhook_deliveries,
            webhooks::test_webhook,
            updates::check_update,
            updates::install_update,
            ready::ui_ready,
        ])
        .events(tauri_specta::collect_events![
            events::ConversationsChanged,
            events::ConnStateChanged,
            events::SignedOut,
            events::SessionChanged,
            events::NoticeRaised,
            events::UploadProgressChanged,
            events::ClientTypingChanged,
            crate::notify::OpenConversation,
            crate::notify::NotifyFailed,
            crate::notify::NotifySettingsChanged,
            tray::SignOutRequested,
        ])
        .constant("FIRST_PAGE", switchboard_core::FIRST_PAGE)
}

/// The TypeScript the UI imports; a test keeps the committed file equal to it.
pub fn typescript_bindings() -> Result<String, specta_typescript::ExportError> {
    let ts = specta_typescript::Typescript::default()
        .bigint(specta_typescript::BigIntExportBehavior::Number)
        .header("// Generated by src-tauri (tauri-specta). Do not edit: run `./dev.sh bindings`.\n// @ts-nocheck");
    specta_builder().export_str(ts)
}

/// A session manager ends the desk with SIGTERM at logout or shutdown (SIGHUP when its
/// terminal goes, SIGINT from a terminal): exit the way Quit does, so the session closes
/// cleanly (`session::close_at_exit`).
fn exit_on_signals(app: &tauri::AppHandle) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let app = app.clone();
        tauri::async_runtime::spawn(async move {
            let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
                signal(SignalKind::terminate()),
                signal(SignalKind::interrupt()),
                signal(SignalKind::hangup()),
            ) else {
                tracing::warn!("cannot listen for exit signals; they end the app uncleanly");
                return;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
            }
            tracing::info!("signalled to exit");
            app.exit(0);
        });
    }
    #[cfg(not(unix))]
    let _ = app;
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let builder = specta_builder();
    let result = tauri::Builder::default()
        // Registered first so a second launch exits before building anything.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            window::show_window(app)
        }))
        .on_window_event(|window, event| match event {
            tauri::WindowEvent::CloseRequested { api, .. } if window.label() == "main" => {
                // Closing keeps the app (and its notifications) running in the tray.
                api.prevent_close();
                let _ = window.hide();
            }
            tauri::WindowEvent::Focused(focused) => {
                if let Some(notifier) = window.try_state::<notify::Notifier>() {
                    notifier.set_focused(*focused);
                }
            }
            _ => {}
        })
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        // "Start at login" (commands/autostart.rs). Named after the binary, so the Linux entry
        // is `switchboard.desktop` whatever the product name.
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .app_name("switchboard")
                .build(),
        )
        .plugin(tauri_plugin_updater::Builder::new().build())
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            let data_dir = match std::env::var_os("SWITCHBOARD_DATA_DIR") {
                Some(dir) => dir.into(),
                None => app.path().app_data_dir()?,
            };
            tracing::info!(data_dir = %data_dir.display(), "starting");
            app.manage(state::AppState::new(data_dir));
            app.manage(notify::Notifier::start(app.handle().clone()));
            commands::session::begin_start(app.handle());
            exit_on_signals(app.handle());
            if let Err(err) = tray::build(app.handle()) {
                // No tray on this desktop: the app still works, closing just hides the window.
                tracing::warn!(%err, "no tray icon");
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    match result {
        Ok(app) => app.run(|app, event| match event {
            tauri::RunEvent::ExitRequested { api, code, .. } => {
                session::exit_requested(app, &api, code);
            }
            tauri::RunEvent::Exit => session::close_at_exit(app),
            _ => {}
        }),
        Err(err) => {
            tracing::error!(%err, "the app failed to start");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    /// The webview gets the app's own commands and nothing else: the file dialog and the
    /// opener are used from Rust commands (`commands/attachments.rs`), so no plugin API is
    /// granted to JavaScript (issue 9, security finding 13).
    #[test]
    fn the_webview_is_granted_no_plugin_api() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join("capabilities/default.json"))
            .expect("capabilities/default.json");
        let caps: serde_json::Value = serde_json::from_str(&text).expect("capabilities JSON");
        assert_eq!(caps["permissions"], serde_json::json!(["core:default"]));
        let package = std::fs::read_to_string(root.join("ui/package.json")).expect("package.json");
        assert!(
            !package.contains("@tauri-apps/plugin-"),
            "a plugin's JavaScript API needs its permission in capabilities/default.json"
        );
    }

    /// The UI must be built against the current IPC surface: regenerate with
    /// `UPDATE_BINDINGS=1 cargo test -p switchboard --lib` (what `./dev.sh bindings` does).
    #[test]
    fn committed_bindings_are_current() {
        let generated = super::typescript_bindings().expect("bindings export");
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/lib/bindings.ts");
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).expect("write bindings");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "ui/src/lib/bindings.ts is stale: run ./dev.sh bindings"
        );
    }
}
