//! A real IMAP server for the mail tests: Dovecot (apt: dovecot-imapd) in a temp dir with its
//! own config: one passwd-file user, a maildir, plaintext login on a loopback port without
//! TLS (the channel's `imap+plain://`). Mails are delivered the way an MTA does, by writing
//! a file into the maildir's `new/`. Stopped when dropped; `stop`/`start` restart it.

use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::smtp::free_port;

pub const PASSWORD: &str = "imap-s3cret";

pub struct Dovecot {
    child: Option<Child>,
    pub port: u16,
    /// Unique per server, so a test finds its own IMAP sessions among the processes.
    user: String,
    dir: tempfile::TempDir,
    delivered: usize,
}

/// The Dovecot binary, checked to be a 2.3 (2.4 changed the config syntax this file writes).
fn binary() -> PathBuf {
    let bin = ["/usr/sbin/dovecot", "/usr/local/sbin/dovecot"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
        .expect("dovecot is not installed: run ./dev.sh, which installs dovecot-imapd");
    let version = Command::new(&bin)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    assert!(
        version.starts_with("2.3."),
        "the mail tests configure Dovecot 2.3; {} is {version:?}",
        bin.display()
    );
    bin
}

impl Dovecot {
    pub fn start() -> Self {
        Self::start_with("")
    }

    /// With extra lines of config (e.g. an `imap_capability` without IDLE).
    pub fn start_with(extra: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        // Dovecot's login processes run as another user and must reach the sockets here.
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod");
        let port = free_port();
        let root = dir.path();
        for sub in ["run", "state", "home", "mail/cur", "mail/new", "mail/tmp"] {
            std::fs::create_dir_all(root.join(sub)).expect("mkdir");
        }
        let user = format!("desk{port}");
        std::fs::write(root.join("passwd"), format!("{user}:{{PLAIN}}{PASSWORD}\n"))
            .expect("passwd");
        // As root, the helper processes run as the users the package made and the mail as
        // `nobody` (Dovecot never reads mail as root); as anyone else, everything runs as them.
        let (internal, login, (uid, gid)) = if own_ids().0 == 0 {
            let nobody = user_ids("nobody");
            for sub in ["mail", "mail/cur", "mail/new", "mail/tmp", "home"] {
                std::os::unix::fs::chown(root.join(sub), Some(nobody.0), Some(nobody.1))
                    .expect("chown");
            }
            ("dovecot".to_string(), "dovenull".to_string(), nobody)
        } else {
            let me = std::env::var("USER").unwrap_or_else(|_| "nobody".into());
            (me.clone(), me, own_ids())
        };
        let r = root.display();
        let conf = format!(
            r#"base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
first_valid_uid = 0
mail_location = maildir:{r}/mail
mailbox_idle_check_interval = 1 secs
verbose_proctitle = yes
{extra}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={r}/home
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"#
        );
        std::fs::write(root.join("dovecot.conf"), conf).expect("config");
        let mut d = Dovecot {
            child: None,
            port,
            user,
            dir,
            delivered: 0,
        };
        d.resume();
        d
    }

    pub fn url(&self) -> String {
        format!(
            "imap+plain://{}:{PASSWORD}@127.0.0.1:{}",
            self.user, self.port
        )
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the stopped server again on the same port and maildir.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "already running");
        let mut child = Command::new(binary())
            .arg("-F")
            .arg("-c")
            .arg(self.root().join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn dovecot");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let log =
                    std::fs::read_to_string(self.root().join("dovecot.log")).unwrap_or_default();
                panic!("dovecot exited with {status} before listening: {log}");
            }
            assert!(
                Instant::now() < deadline,
                "dovecot did not listen on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.child = Some(child);
    }

    /// Stops the server (its connections drop), waiting until the port is closed.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGTERM: dovecot ends its children too.
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "dovecot still listens");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Puts `raw` into the mailbox as a new mail (written to `tmp/`, then moved to `new/`).
    pub fn deliver(&mut self, raw: &str) {
        self.delivered += 1;
        let name = format!(
            "{}.M{}P{}.test",
            1_700_000_000 + self.delivered,
            self.delivered,
            std::process::id()
        );
        let tmp = self.root().join("mail/tmp").join(&name);
        std::fs::write(&tmp, raw.replace("\r\n", "\n")).expect("write mail");
        std::fs::rename(&tmp, self.root().join("mail/new").join(&name)).expect("deliver mail");
    }

    /// Whether one of this server's IMAP sessions is in IDLE (Dovecot's `verbose_proctitle`
    /// shows `dovecot/imap [user ip IDLE]`).
    pub fn idling(&self) -> bool {
        let wanted = format!("[{} ", self.user);
        std::fs::read_dir("/proc")
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
            .map(|c| String::from_utf8_lossy(&c).into_owned())
            .any(|c| c.starts_with("dovecot/imap ") && c.contains(&wanted) && c.contains(" IDLE]"))
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root().join("dovecot.log")).unwrap_or_default()
    }
}

/// The uid and gid of the system user `name`.
fn user_ids(name: &str) -> (u32, u32) {
    let passwd = std::fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    passwd
        .lines()
        .map(|l| l.split(':').collect::<Vec<_>>())
        .find(|f| f.first() == Some(&name) && f.len() > 3)
        .and_then(|f| Some((f[2].parse().ok()?, f[3].parse().ok()?)))
        .unwrap_or_else(|| panic!("no user {name} in /etc/passwd"))
}

/// The uid and gid the tests run as (the owner of a file they create).
fn own_ids() -> (u32, u32) {
    use std::os::unix::fs::MetadataExt;
    let probe = tempfile::NamedTempFile::new().expect("probe file");
    let meta = probe.as_file().metadata().expect("metadata");
    (meta.uid(), meta.gid())
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}
