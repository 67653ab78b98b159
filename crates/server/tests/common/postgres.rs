//! A throwaway PostgreSQL for a test: `initdb` into a temporary folder, `pg_ctl start` on a free
//! port with its socket in that folder, stopped (immediately) and removed when dropped. Debian's
//! `postgresql` package (dev.sh installs it) provides the binaries; initdb refuses to run as
//! root, so as root the cluster belongs to the `postgres` user the package made.
// Each test binary that includes this file uses part of it.
#![allow(dead_code)]

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

/// `tool` as the cluster's owner: the `postgres` user when the tests run as root.
fn as_owner(tool: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(tool);
        cmd
    } else {
        Command::new(tool)
    }
}

/// Runs `cmd` and fails the test, with its stderr, unless it succeeds.
fn succeed(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run(bin: &Path, tool: &str, args: &[&str]) {
    succeed(as_owner(&bin.join(tool)).args(args));
}

/// Hands `paths` to the `postgres` user the cluster runs as, when the tests run as root.
fn give_to_owner(paths: &[&Path]) {
    if is_root() {
        succeed(Command::new("chown").arg("postgres").args(paths));
    }
}

impl TestPg {
    pub fn start() -> Self {
        Self::start_with(|_| String::new())
    }

    /// A cluster that speaks TLS with a certificate for `localhost` and 127.0.0.1, signed by
    /// a CA made for it; returns it and the CA's PEM file.
    pub fn start_tls() -> (Self, PathBuf) {
        let mut ca = PathBuf::new();
        let pg = Self::start_with(|dir| {
            let openssl = |args: &[&str]| {
                succeed(Command::new("openssl").current_dir(dir).args(args));
            };
            openssl(&[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "ca.key",
                "-out",
                "ca.pem",
                "-days",
                "2",
                "-subj",
                "/CN=Switchboard test CA",
            ]);
            openssl(&[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ]);
            std::fs::write(
                dir.join("ext.cnf"),
                "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
                 keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
            )
            .expect("extensions");
            openssl(&[
                "x509",
                "-req",
                "-in",
                "server.csr",
                "-CA",
                "ca.pem",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                "server.pem",
                "-days",
                "2",
                "-extfile",
                "ext.cnf",
            ]);
            // PostgreSQL refuses a key others can read, and runs as its own user.
            let key = dir.join("server.key");
            std::fs::set_permissions(&key, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .expect("chmod the key");
            give_to_owner(&[&key, &dir.join("server.pem")]);
            ca = dir.join("ca.pem");
            format!(
                " -c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
                dir.join("server.pem").display(),
                key.display()
            )
        });
        (pg, ca)
    }

    /// Starts a cluster; `setup` may write files into its folder and returns more options.
    fn start_with(setup: impl FnOnce(&Path) -> String) -> Self {
        let bin = bin_dir();
        let dir = tempfile::tempdir().expect("tmp");
        give_to_owner(&[dir.path()]);
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
        let more = setup(dir.path());
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off{more}",
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

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A connection string to the `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://sb@127.0.0.1:{}/postgres", self.port)
    }
}

impl TestPg {
    /// Stops the cluster now (as a crash would: `immediate`); dropping it later is harmless.
    pub fn stop(&self) {
        let data = self.dir.path().join("data");
        let _ = as_owner(&self.bin.join("pg_ctl"))
            .arg("-D")
            .arg(data)
            .args(["-m", "immediate", "stop"])
            .output();
    }
}

impl Drop for TestPg {
    fn drop(&mut self) {
        self.stop();
    }
}
