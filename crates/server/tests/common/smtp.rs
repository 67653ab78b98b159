//! A local SMTP server for the mail tests: Python's aiosmtpd, storing every mail it accepts
//! in a maildir.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The system Python (where `apt-get install python3-aiosmtpd` puts the module); a pyenv
/// `python3` earlier on PATH would not have it.
const PYTHON: &str = "/usr/bin/python3";

/// A local SMTP server saving each mail under `maildir/new`; killed when dropped.
pub struct Smtp {
    child: Child,
    port: u16,
    maildir: PathBuf,
    _dir: tempfile::TempDir,
}

/// A handler that refuses some recipients the way real servers do: `nobody@…` for good (550),
/// `busy@…` for now (451); the rest is stored like `Mailbox` does.
const PICKY: &str = r#"from aiosmtpd.handlers import Mailbox

class Picky(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user here"
        if address.startswith("busy@"):
            return "451 4.3.0 Mailbox busy, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"
"#;

impl Smtp {
    pub fn start() -> Self {
        Self::spawn("aiosmtpd.handlers.Mailbox")
    }

    /// Refuses `nobody@…` (550) and `busy@…` (451), stores the rest.
    pub fn start_picky() -> Self {
        Self::spawn("picky.Picky")
    }

    fn spawn(handler: &str) -> Self {
        let probe = Command::new(PYTHON)
            .args(["-c", "import aiosmtpd"])
            .output();
        assert!(
            probe.as_ref().is_ok_and(|o| o.status.success()),
            "{PYTHON} cannot import aiosmtpd ({probe:?}): run ./dev.sh, which installs python3-aiosmtpd"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("picky.py"), PICKY).expect("handler");
        let maildir = dir.path().join("maildir");
        let port = free_port();
        let child = Command::new(PYTHON)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", handler])
            .arg(&maildir)
            .env("PYTHONPATH", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn aiosmtpd");
        let mut smtp = Smtp {
            child,
            port,
            maildir,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = smtp.child.try_wait() {
                panic!("aiosmtpd exited with {status} before listening");
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        smtp
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn count(&self) -> usize {
        std::fs::read_dir(self.maildir.join("new")).map_or(0, |d| d.count())
    }

    /// The `n`-th mail received (1-based, by arrival), waiting for it with a deadline.
    pub fn mail(&self, n: usize) -> Vec<u8> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let mut files: Vec<_> = std::fs::read_dir(self.maildir.join("new"))
                .map(|d| d.filter_map(Result::ok).collect())
                .unwrap_or_default();
            if files.len() >= n {
                files.sort_by_key(|f| f.metadata().and_then(|m| m.modified()).ok());
                return std::fs::read(files[n - 1].path()).expect("read mail");
            }
            assert!(Instant::now() < deadline, "mail {n} never arrived");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}
