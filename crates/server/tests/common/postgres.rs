//! A throwaway PostgreSQL for a test: `initdb` into a temporary folder, `pg_ctl start` on a free
//! port with its socket in that folder, stopped (immediately) and removed when dropped. Debian's
//! `postgresql` package (dev.sh installs it) provides the binaries; initdb refuses to run as
//! root, so as root the cluster belongs to the `postgres` user the package made.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct TestPg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

/// The newest installed PostgreSQL's binaries.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is installed (./dev.sh test installs it)")
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists())
        .collect();
    versions.sort();
    versions
        .pop()
        .expect("an initdb under /usr/lib/postgresql/*/bin")
}

fn is_root() -> bool {
    // SAFETY-free check: the effective user of this process, as the kernel reports it.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|ids| ids.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

fn run(bin: &Path, tool: &str, args: &[&str]) {
    let tool = bin.join(tool);
    let out = if is_root() {
        Command::new("runuser")
            .args(["-u", "postgres", "--"])
            .arg(&tool)
            .args(args)
            .output()
    } else {
        Command::new(&tool).args(args).output()
    }
    .unwrap_or_else(|e| panic!("run {}: {e}", tool.display()));
    assert!(
        out.status.success(),
        "{} {args:?}: {}",
        tool.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl TestPg {
    pub fn start() -> Self {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("tmp");
        if is_root() {
            let st = Command::new("chown")
                .args(["postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(st.success(), "chown the cluster's folder");
        }
        let data = dir.path().join("data");
        let data_s = data.to_string_lossy().into_owned();
        run(
            &bin,
            "initdb",
            &[
                "-D",
                &data_s,
                "-U",
                "sb",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-instructions",
            ],
        );
        // A port free now; the cluster takes it at once.
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            dir.path().display()
        );
        let log = dir.path().join("log").to_string_lossy().into_owned();
        run(
            &bin,
            "pg_ctl",
            &["-D", &data_s, "-l", &log, "-o", &opts, "-w", "start"],
        );
        Self { dir, bin, port }
    }

    /// A connection string to the `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://sb@127.0.0.1:{}/postgres", self.port)
    }
}

impl TestPg {
    /// Stops the cluster now (as a crash would: `immediate`); dropping it later is harmless.
    pub fn stop(&self) {
        let data = self.dir.path().join("data").to_string_lossy().into_owned();
        let tool = self.bin.join("pg_ctl");
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if is_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&tool)
                .args(args)
                .output()
        } else {
            Command::new(&tool).args(args).output()
        };
    }
}

impl Drop for TestPg {
    fn drop(&mut self) {
        self.stop();
    }
}
