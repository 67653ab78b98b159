//! A blank Tauri window built from the same toolchain as the app, in the same bench run: the
//! baseline of cold start (budget 6) and idle memory (budget 7). Its page reports "rendered"
//! through the same kind of IPC call as the app's inbox (`ui_ready`), and this process prints
//! the line the bench waits for.

#[tauri::command]
fn ui_ready(rows: u32) {
    eprintln!("blank window: page rendered rows={rows}");
}

fn main() {
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ui_ready])
        .run(tauri::generate_context!());
    if let Err(err) = result {
        eprintln!("blank window: {err}");
        std::process::exit(1);
    }
}
