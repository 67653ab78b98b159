// A TCP proxy between the app and the server that can drop the network while the server keeps
// running: `down()` cuts every open connection and resets new ones at once (a pulled cable as
// the app sees it), `up()` forwards again. Tests reach the server directly meanwhile (seed API).

import net from "node:net";
import { log } from "./util.mjs";

export class NetworkProxy {
  constructor(upstreamUrl) {
    const u = new URL(upstreamUrl);
    this.upstream = { host: u.hostname, port: Number(u.port) };
    this.isDown = false;
    this.sockets = new Set();
  }

  /** Starts listening on a free loopback port; `url` is what the app should use. */
  async start() {
    this.server = net.createServer((client) => {
      if (this.isDown) return client.destroy();
      const upstream = net.connect(this.upstream);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => {});
      }
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", resolve);
    });
    this.url = `http://127.0.0.1:${this.server.address().port}`;
    log(`network proxy ${this.url} → ${this.upstream.host}:${this.upstream.port}`);
  }

  down() {
    this.isDown = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    log("network proxy: down");
  }

  up() {
    this.isDown = false;
    log("network proxy: up");
  }

  async stop() {
    this.down();
    await new Promise((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
