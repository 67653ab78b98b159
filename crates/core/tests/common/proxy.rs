//! A pausable TCP proxy between the desk and the server: the network drops while the server
//! keeps running, so another operator can still act meanwhile.

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// A TCP proxy in front of the server that can drop the network: while paused it cuts every
/// open connection and resets new ones at once, as a pulled cable or a dead Wi-Fi would
/// look to the app. The server keeps running behind it.
pub struct Proxy {
    pub url: String,
    paused: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: String) -> anyhow::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (paused, rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if *rx.borrow() {
                    drop(inbound);
                    continue;
                }
                let mut rx = rx.clone();
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    let Ok(mut out) = TcpStream::connect(&upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut out) => {}
                        _ = rx.wait_for(|p| *p) => {}
                    }
                });
            }
        });
        Ok(Proxy { url, paused, task })
    }

    pub fn set_down(&self, down: bool) {
        self.paused.send_replace(down);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
