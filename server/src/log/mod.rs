//! The log: the source of truth. An entry is acknowledged only after
//! `append` returns, which means it is durably committed.
//!
//! The trait is small so that a PostgreSQL log for multi-node deployments can
//! replace the embedded SQLite one without touching rooms or connections.

pub mod chain;
mod health;
mod redact;
mod sqlite;
mod summary;
mod writer;

pub use health::Unwritable;
pub use sqlite::{FILE_NAME, SqliteLog};

use crate::queue::{Entry, State};
use hoidap_protocol::Seq;
use std::future::Future;
use std::pin::Pin;

/// Internal id of an event (the join code is its public handle).
pub type EventId = u64;

/// An event's identity and access secrets: what is not in its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRecord {
    pub id: EventId,
    /// Short public code attendees type or scan, unique.
    pub join_code: String,
    pub title: String,
    pub moderator_secret: String,
    pub screen_secret: String,
    /// Identity of this event's log; a recreated or restored log gets a new one.
    pub epoch: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error("storage: {0}")]
    Storage(String),
    #[error("corrupt log entry {event}/{seq}: {reason}")]
    Corrupt {
        event: EventId,
        seq: Seq,
        reason: String,
    },
    #[error("the log writer has stopped")]
    Closed,
    #[error("join code already taken")]
    DuplicateCode,
}

pub type LogFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, LogError>> + Send + 'a>>;

pub trait Log: Send + Sync + 'static {
    /// Creates the event and appends its first entry, atomically.
    fn create_event(&self, record: EventRecord, first: Entry) -> LogFuture<'_, ()>;

    /// Durably appends entries of one event, in order. Entries' `seq` must
    /// continue the event's log without gaps. Concurrent calls (from many
    /// rooms) are committed together in one transaction: group commit.
    fn append(&self, event: EventId, entries: Vec<Entry>) -> LogFuture<'_, ()>;

    /// Every event, oldest first. Used at start-up.
    fn events(&self) -> LogFuture<'_, Vec<EventRecord>>;

    /// The event's entries with `seq > after`, in order.
    fn entries(&self, event: EventId, after: Seq) -> LogFuture<'_, Vec<Entry>>;

    /// The event's state: every entry applied in order to an empty state,
    /// one at a time as it is read, so start-up never holds a whole log in
    /// memory (a million entries: 198 → 167 MB of RSS after start).
    fn replay(&self, event: EventId) -> LogFuture<'_, State>;

    /// Keeps what `GET /api/events` shows of an event while its room is not
    /// loaded (see `rooms::stats`). Not part of the log: a lost summary
    /// costs a stale figure, never an entry.
    fn save_summary(&self, _event: EventId, _summary: Summary) -> LogFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    /// Every saved summary, and every event's last entry time, without
    /// reading any entry body.
    fn summaries(&self) -> LogFuture<'_, Vec<SummaryRow>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The stored bytes and chain hashes of the event's entries at `seqs`:
    /// what a detach rewrites (`queue::privacy`).
    fn stored(
        &self,
        _event: EventId,
        _seqs: Vec<Seq>,
    ) -> LogFuture<'_, Vec<crate::queue::privacy::StoredEntry>> {
        Box::pin(async { Err(LogError::Storage("this log cannot detach".into())) })
    }

    /// The hash of the event's entry at `seq` (the chain head once that
    /// entry was the last): what an export prints so a report can be
    /// checked against the data later (`hoidap verify`). `None` if no
    /// entry is stored there. A log that keeps no hash chain says so
    /// with an error rather than make a hash up.
    fn head(&self, _event: EventId, _seq: Seq) -> LogFuture<'_, Option<chain::Hash>> {
        Box::pin(async { Err(LogError::Storage("this log keeps no hash chain".into())) })
    }

    /// `Some` while the log cannot write (a full or read-only disk): why,
    /// and since when. Clears by itself once a write succeeds again.
    fn unwritable(&self) -> Option<Unwritable> {
        None
    }
}

/// An event, its saved summary if any, and the time of its last entry.
pub type SummaryRow = (EventId, Option<Summary>, Option<u64>);

/// An event's figures as its room last saw them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub phase: hoidap_protocol::Phase,
    pub questions: u32,
    /// Questions waiting for a moderator's approval.
    pub pending: u32,
    /// Milliseconds since the Unix epoch of the last change or connection.
    pub last_activity: u64,
    /// When names still held must be detached (the retention period's
    /// end, `queue::privacy`): the server loads the room then, even if
    /// nobody connects. Absent: nothing to detach, or no period set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detach_at: Option<u64>,
}
