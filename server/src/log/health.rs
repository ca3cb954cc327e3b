//! Whether the log can write: what `/healthz` and the moderators' banner
//! report while the disk is full or read-only.
//!
//! Set by the writer thread from the outcome of every transaction. While it
//! fails, the writer also tries a tiny write of its own every `PROBE`
//! (`probe`), so the status clears by itself once space returns, even in a
//! hall where nobody is sending anything at that moment.

use rusqlite::Connection;
use std::sync::{Mutex, PoisonError, mpsc};
use std::time::Duration;

/// How often a failing writer tries a write of its own.
pub const PROBE: Duration = Duration::from_secs(1);

/// The log's last transaction failed: why, and since when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unwritable {
    pub reason: String,
    /// Milliseconds since the Unix epoch of the first failure.
    pub since: u64,
}

#[derive(Default)]
pub struct Health {
    status: Mutex<Option<Unwritable>>,
    /// Set by `doubt`, never cleared.
    doubt: Mutex<Option<String>>,
}

impl Health {
    pub fn status(&self) -> Option<Unwritable> {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn failing(&self) -> bool {
        self.status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    pub(super) fn failed(&self, reason: &str) {
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        if status.is_none() {
            tracing::error!(%reason, "the log cannot write: requests are refused until it can");
            crate::metrics::log_unwritable(true);
            *status = Some(Unwritable {
                reason: reason.to_owned(),
                since: crate::room::now_ms(),
            });
        }
    }

    /// A commit SQLite holds may not be on disk (`Writer::confirm`): the
    /// log refuses writes and reads until the process restarts on a
    /// checked disk, since what it holds in memory may be what the disk
    /// has lost. Returns the reason, for the failed batch's answers.
    pub(super) fn doubt(&self, reason: &str) -> String {
        let reason = format!("a commit may not be on disk, restart after checking it: {reason}");
        tracing::error!(%reason, "the log refuses writes and reads until a restart");
        *self.doubt.lock().unwrap_or_else(PoisonError::into_inner) = Some(reason.clone());
        self.failed(&reason);
        // What `/healthz` says from now on, even after an earlier failure:
        // the organiser must restart.
        if let Some(status) = self
            .status
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
        {
            status.reason = reason.clone();
        }
        reason
    }

    /// `Some(reason)` once `doubt` was called: never clears.
    pub fn doubtful(&self) -> Option<String> {
        self.doubt
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(super) fn wrote(&self) {
        if self.doubtful().is_some() {
            return;
        }
        let mut status = self.status.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(was) = status.take() {
            let secs = crate::room::now_ms().saturating_sub(was.since) / 1000;
            tracing::warn!(after_secs = secs, "the log writes again");
            crate::metrics::log_unwritable(false);
        }
    }
}

/// The writer's next job; while writes fail, a probe write every `PROBE`
/// until one arrives. `None` once every sender is gone.
pub(super) fn next<J>(health: &Health, conn: &Connection, jobs: &mpsc::Receiver<J>) -> Option<J> {
    loop {
        if !health.failing() {
            return jobs.recv().ok();
        }
        match jobs.recv_timeout(PROBE) {
            Ok(job) => return Some(job),
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            Err(mpsc::RecvTimeoutError::Timeout) if health.doubtful().is_some() => {}
            Err(mpsc::RecvTimeoutError::Timeout) => match probe(conn) {
                Ok(()) => health.wrote(),
                Err(reason) => tracing::debug!(%reason, "the log still cannot write"),
            },
        }
    }
}

pub(super) const SCHEMA: &str =
    "CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL);";

/// One small durable write, as an append would make: the WAL must grow.
pub(super) fn probe(conn: &Connection) -> Result<(), String> {
    let write = || -> rusqlite::Result<()> {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let at = crate::room::now_ms() as i64;
        conn.execute("INSERT OR REPLACE INTO probe (id, at) VALUES (1, ?1)", [at])?;
        conn.execute_batch("COMMIT")
    };
    write().map_err(|e| {
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        e.to_string()
    })
}
