//! Stalled episodes: a hall of attendees watching while changes fan out,
//! and one attendee after another who joins, never reads and is dropped by
//! the server. Shared by the memory test and `hoidap-bench stalls`, which
//! read the server's RSS after each episode: memory a stalled reader made
//! the server hold must be given back once it is gone.

use crate::client::Client;
use crate::raw;
use crate::server::metrics;
use anyhow::bail;
use futures_util::{SinkExt, StreamExt};
use hoidap_protocol::{Action, Role};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the hall is set up.
#[derive(Debug, Clone)]
pub struct HallShape {
    /// Attendees that read everything, for the whole run.
    pub watchers: usize,
    /// Questions asked before the first episode: the snapshot every
    /// joining (and every resynced) connection is sent.
    pub questions: usize,
    /// Characters per question (diacritics take 2–3 bytes each).
    pub chars: usize,
    /// Pause between two moderator edits (each fans out as a delta).
    pub edit_every: Duration,
    /// The stalled attendee's receive buffer.
    pub rcvbuf: usize,
}

impl Default for HallShape {
    fn default() -> Self {
        HallShape {
            watchers: 200,
            questions: 300,
            chars: 400,
            edit_every: Duration::from_millis(20),
            rcvbuf: 4096,
        }
    }
}

/// A running hall: watchers reading and a moderator editing.
pub struct StallHall {
    addr: SocketAddr,
    /// `/metrics` is for the admin.
    admin_token: String,
    code: String,
    shape: HallShape,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// Vietnamese text of `chars` characters, tagged so each is distinct.
pub fn question_text(tag: &str, chars: usize) -> String {
    let sentence = "Đề nghị lãnh đạo tỉnh cho biết lộ trình cải cách tiền lương, \
                    chế độ phụ cấp đối với cán bộ, công chức cấp xã và người hoạt động \
                    không chuyên trách ở thôn, tổ dân phố trong năm tới. ";
    let mut text = format!("[{tag}] ");
    while text.chars().count() < chars {
        text.push_str(sentence);
    }
    text.chars().take(chars).collect()
}

impl StallHall {
    /// Asks the questions, connects the watchers and starts the edits.
    pub async fn open(
        addr: SocketAddr,
        admin_token: &str,
        code: &str,
        moderator_secret: &str,
        shape: HallShape,
    ) -> anyhow::Result<StallHall> {
        let url = format!("ws://{addr}/ws");
        let mut asker = Client::join(&url, code, Role::Attendee, None).await?;
        let mut ids = Vec::with_capacity(shape.questions);
        for q in 0..shape.questions {
            ids.push(
                asker
                    .ask(&question_text(&format!("q{q}"), shape.chars))
                    .await?,
            );
        }
        drop(asker);
        let (stop, stopped) = watch::channel(false);
        let mut tasks = Vec::new();
        for _ in 0..shape.watchers {
            let (mut ws, _) = tokio_tungstenite::connect_async(&url).await?;
            ws.send(raw::hello(code, Role::Attendee, None)).await?;
            let mut stopped = stopped.clone();
            tasks.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = stopped.changed() => return,
                        msg = ws.next() => if !matches!(msg, Some(Ok(_))) { return },
                    }
                }
            }));
        }
        let mut moderator =
            Client::join(&url, code, Role::Moderator, Some(moderator_secret)).await?;
        let (every, chars) = (shape.edit_every, shape.chars);
        let stopped = stopped.clone();
        tasks.push(tokio::spawn(async move {
            // Edits of the same few questions: every one is a real change
            // that reaches every attendee, and the state stays the same size.
            for n in 0u64.. {
                if *stopped.borrow() {
                    return;
                }
                let question = ids[n as usize % ids.len().min(20)];
                let text = question_text(&format!("edit {n}"), chars);
                if moderator.ok(Action::Edit { question, text }).await.is_err() {
                    return;
                }
                // Drops what the moderator was sent, which it never reads.
                moderator.log.clear();
                tokio::time::sleep(every).await;
            }
        }));
        Ok(StallHall {
            addr,
            admin_token: admin_token.to_owned(),
            code: code.to_owned(),
            shape,
            stop,
            tasks,
        })
    }

    /// One episode: an attendee joins over a small receive buffer, says
    /// hello and reads nothing until the server drops it; then its socket
    /// closes and the server's connection gauge is back where it was.
    /// Returns how long the server took to drop it.
    pub async fn episode(&self, within: Duration) -> anyhow::Result<Duration> {
        let before = metrics(self.addr, &self.admin_token).await?;
        let drops = before.get("hoidap_drops_total").copied().unwrap_or(0.0);
        let connections = before.get("hoidap_connections").copied().unwrap_or(0.0);
        let started = Instant::now();
        let ws = raw::phone(
            self.addr,
            self.shape.rcvbuf,
            &self.code,
            Role::Attendee,
            None,
        )
        .await?;
        let took = loop {
            // Polling: the server's counters are the only signal a client
            // that must not read can have.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let now = metrics(self.addr, &self.admin_token).await?;
            if now.get("hoidap_drops_total").copied().unwrap_or(0.0) > drops {
                break started.elapsed();
            }
            if started.elapsed() > within {
                bail!("the stalled attendee was not dropped within {within:?}");
            }
        };
        drop(ws);
        loop {
            let now = metrics(self.addr, &self.admin_token).await?;
            if now.get("hoidap_connections").copied().unwrap_or(0.0) <= connections {
                return Ok(took);
            }
            if started.elapsed() > within {
                bail!("the dropped connection was not forgotten within {within:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stops the edits and closes the watchers.
    pub async fn close(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}
