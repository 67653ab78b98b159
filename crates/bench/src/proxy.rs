//! A counting TCP proxy in front of the server: the app talks to it, so the bytes each phase
//! moves (HTTP and the events WebSocket) are counted on the wire.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Default)]
pub struct Counters {
    /// Server → app.
    pub down: AtomicU64,
    /// App → server.
    pub up: AtomicU64,
}

impl Counters {
    pub fn take(&self) -> (u64, u64) {
        (
            self.down.swap(0, Ordering::Relaxed),
            self.up.swap(0, Ordering::Relaxed),
        )
    }
}

pub struct Proxy {
    pub url: String,
    pub counters: Arc<Counters>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    counter: Arc<Counters>,
    down: bool,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let slot = if down { &counter.down } else { &counter.up };
        slot.fetch_add(n as u64, Ordering::Relaxed);
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

impl Proxy {
    /// Listens on a free loopback port and forwards every connection to `server_url`.
    pub async fn start(server_url: &str) -> anyhow::Result<Proxy> {
        let target = server_url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let counters = Arc::new(Counters::default());
        let counter = counters.clone();
        let task = tokio::spawn(async move {
            while let Ok((app, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(&target).await else {
                    continue;
                };
                let _ = (app.set_nodelay(true), server.set_nodelay(true));
                let (app_read, app_write) = app.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(pump(app_read, server_write, counter.clone(), false));
                tokio::spawn(pump(server_read, app_write, counter.clone(), true));
            }
        });
        Ok(Proxy {
            url,
            counters,
            task,
        })
    }
}
