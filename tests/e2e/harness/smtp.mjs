// A real SMTP server for the "Send to Email" spec: Python's aiosmtpd (apt python3-aiosmtpd,
// installed by ./dev.sh) saving each mail into a maildir, and a reader that parses the saved
// mails with Python's email module. The system Python is called explicitly: a pyenv `python3`
// earlier on PATH would not have the module.

import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { env, freePort, log, logsDir, run, startProcess, waitFor } from "./util.mjs";

const PYTHON = "/usr/bin/python3";

// Prints one mail as JSON: headers and the decoded plain-text and HTML parts.
const PARSE = `
import email, json, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
def body(kind):
    p = m.get_body(preferencelist=(kind,))
    return p.get_content() if p is not None and p.get_content_subtype() == kind else None
print(json.dumps({"subject": m["subject"], "to": m["to"], "from": m["from"],
    "content_type": m.get_content_type(), "text": body("plain"), "html": body("html")}))
`;

export class SmtpServer {
  constructor(name = "smtp") {
    this.name = name;
    this.maildir = path.join(env.runDir, name, "maildir");
    this.proc = null;
    this.port = 0;
  }

  get url() {
    return `smtp://127.0.0.1:${this.port}`;
  }

  async start() {
    await run(PYTHON, ["-c", "import aiosmtpd"], { timeout: 15000 }).catch((e) => {
      throw new Error(`${PYTHON} cannot import aiosmtpd: run ./dev.sh (it installs python3-aiosmtpd). ${e.message}`);
    });
    fs.mkdirSync(path.dirname(this.maildir), { recursive: true });
    this.port = await freePort();
    const args = ["-m", "aiosmtpd", "-n", "-l", `127.0.0.1:${this.port}`, "-c", "aiosmtpd.handlers.Mailbox", this.maildir];
    this.proc = startProcess(this.name, PYTHON, args, { logFile: path.join(logsDir, `${this.name}.log`) });
    await waitFor(
      `${this.name} accepting on ${this.port}`,
      () => {
        if (this.proc.exited) throw new Error(`${this.name} exited (${this.proc.exitCode}); see logs/${this.name}.log`);
        return new Promise((resolve) => {
          const s = net.connect(this.port, "127.0.0.1");
          s.on("connect", () => (s.destroy(), resolve(true)));
          s.on("error", () => resolve(false));
        });
      },
      { timeout: 20000, interval: 100 },
    );
    log(`${this.name} on ${this.url}, maildir ${this.maildir}`);
  }

  /** Saved mail files, oldest first. */
  files() {
    const dir = path.join(this.maildir, "new");
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .map((f) => path.join(dir, f))
      .sort((a, b) => fs.statSync(a).mtimeMs - fs.statSync(b).mtimeMs);
  }

  /** The `n`-th mail (1-based), parsed; waits for it. */
  async mail(n) {
    const file = await waitFor(`mail ${n} in ${this.maildir}`, () => this.files()[n - 1], { timeout: 15000 });
    const { stdout } = await run(PYTHON, ["-c", PARSE, file], { timeout: 15000 });
    return JSON.parse(stdout);
  }

  async stop() {
    if (!this.proc) return;
    await this.proc.stop("SIGTERM", 3000);
    this.proc = null;
  }
}
