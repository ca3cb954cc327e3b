//! The SQLite log's writer thread: group commit, one savepoint per job,
//! and each event's hash chain extended as entries are inserted.

use super::chain;
use super::health::{self, Health};
use super::{EventId, EventRecord, LogError, Summary, summary};
use crate::queue::Entry;
use hoidap_protocol::Seq;
use rusqlite::{Connection, params};
use std::collections::HashMap;
use std::fs::File;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Instant;
use tokio::sync::oneshot;

/// Upper bound on entries per transaction, so one commit (and the latency of
/// every job in it) stays bounded under a burst.
const MAX_BATCH_ENTRIES: usize = 10_000;

const LAST_SEQ: &str = "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1), \
    (SELECT max(seq) FROM entries WHERE event = ?1), \
    (SELECT hash FROM entries WHERE event = ?1 ORDER BY seq DESC LIMIT 1)";
const INSERT_ENTRY: &str = "INSERT INTO entries (event, seq, at, req, body, prev, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
const RENAME_EVENT: &str = "UPDATE events SET title = ?1 WHERE id = ?2";
const INSERT_EVENT: &str = "INSERT INTO events \
    (id, join_code, title, moderator_secret, screen_secret, epoch, created_at) \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
/// Owns the write connection; lives on the writer thread.
/// An event's last entry: its position and chain hash.
#[derive(Debug, Clone, Copy)]
pub(super) struct Head {
    seq: Seq,
    hash: chain::Hash,
}

pub(super) struct Writer {
    conn: Connection,
    /// The WAL, for `confirm`; opened once so a process short of file
    /// descriptors cannot fail a confirmation. `None` in memory.
    wal: Option<File>,
    /// Last committed entry per event, loaded lazily. Only this thread writes,
    /// so it stays exact; it is cleared whenever a transaction fails.
    last_seq: HashMap<EventId, Head>,
    pub(super) commits: Arc<AtomicU64>,
    health: Arc<Health>,
}

impl Writer {
    /// `conn` must be in WAL mode and have read the database, so that its
    /// `-wal` file exists.
    pub(super) fn new(
        conn: Connection,
        commits: Arc<AtomicU64>,
        health: Arc<Health>,
    ) -> Result<Writer, LogError> {
        let wal = match conn.path().filter(|p| !p.is_empty()) {
            None => None,
            Some(db) => {
                let path = format!("{db}-wal");
                // Writable: `fallocate` needs it; nothing is written.
                let open = std::fs::OpenOptions::new().write(true).open(&path);
                let open = open.map_err(|e| LogError::Storage(format!("{path}: {e}")));
                Some(open?)
            }
        };
        // The default statement cache (16) holds all eight statements used.
        Ok(Writer {
            conn,
            wal,
            last_seq: HashMap::new(),
            commits,
            health,
        })
    }

    pub(super) fn run(mut self, jobs: mpsc::Receiver<Job>) {
        // `recv` keeps returning queued jobs after the senders are gone and
        // fails only once the queue is empty: pending work is never dropped.
        while let Some(first) = health::next(&self.health, &self.conn, &jobs) {
            let mut size = first.op.len();
            let mut batch = vec![first];
            while size < MAX_BATCH_ENTRIES {
                let Ok(job) = jobs.try_recv() else { break };
                size += job.op.len();
                batch.push(job);
            }
            self.write(batch);
        }
        tracing::debug!("log writer stopped");
    }

    /// Writes a batch in one transaction and answers every job.
    pub(super) fn write(&mut self, batch: Vec<Job>) {
        let started = Instant::now();
        let (jobs, entries) = (
            batch.len(),
            batch.iter().map(|job| job.op.len()).sum::<usize>(),
        );
        let (ops, replies): (Vec<Op>, Vec<_>) =
            batch.into_iter().map(|job| (job.op, job.reply)).unzip();
        if let Some(reason) = self.health.doubtful() {
            // A commit may not be on disk although SQLite holds it: writing
            // after it could acknowledge entries at positions a restart
            // gives to others.
            for reply in replies {
                let _ = reply.send(Err(LogError::Storage(reason.clone())));
            }
            return;
        }
        let outcome = self.transaction(&ops).and_then(|results| {
            self.confirm()
                .map(|()| results)
                .map_err(|reason| self.health.doubt(&reason))
        });
        match outcome {
            Ok(results) => {
                self.commits.fetch_add(1, Ordering::Relaxed);
                self.health.wrote();
                if ops.iter().any(Op::detaches) {
                    self.forget_old_pages();
                }
                let failed = results.iter().filter(|r| r.is_err()).count();
                let micros = started.elapsed().as_micros() as u64;
                crate::metrics::log_commit(started.elapsed(), entries);
                tracing::debug!(jobs, entries, failed, micros, "log batch committed");
                for (reply, result) in replies.into_iter().zip(results) {
                    // The caller may have given up waiting; that is fine.
                    let _ = reply.send(result);
                }
            }
            Err(reason) => {
                // SQLite may already have rolled back by itself.
                let rollback = match self.conn.is_autocommit() {
                    true => Ok(()),
                    false => self.conn.execute_batch("ROLLBACK"),
                };
                if let Err(e) = rollback {
                    tracing::error!(%e, "rollback after a failed batch");
                }
                // The cache may hold seqs of jobs that were rolled back.
                self.last_seq.clear();
                tracing::warn!(jobs, entries, %reason, "log batch failed");
                self.health.failed(&reason);
                for reply in replies {
                    let _ = reply.send(Err(LogError::Storage(reason.clone())));
                }
            }
        }
    }

    /// Runs every op in its own savepoint inside one transaction. The outer
    /// error means nothing was committed; inner errors belong to one op each.
    fn transaction(&mut self, ops: &[Op]) -> Result<Vec<Result<(), LogError>>, String> {
        self.exec("BEGIN IMMEDIATE")?;
        let mut results = Vec::with_capacity(ops.len());
        for op in ops {
            self.exec("SAVEPOINT job")?;
            match self.apply(op) {
                Ok(written) => {
                    self.exec("RELEASE job")?;
                    if let Some((event, last)) = written {
                        self.last_seq.insert(event, last);
                    }
                    results.push(Ok(()));
                }
                Err(err) => {
                    // Some errors (I/O, full disk) make SQLite roll back the
                    // whole transaction by itself; then earlier jobs' work is
                    // gone too and the batch must fail as a whole.
                    if self.conn.is_autocommit() {
                        return Err(format!("transaction aborted: {err}"));
                    }
                    self.exec("ROLLBACK TO job")?;
                    self.exec("RELEASE job")?;
                    results.push(Err(err));
                }
            }
        }
        self.exec("COMMIT")?;
        Ok(results)
    }

    /// Checks, after COMMIT returned, that the commit is on disk. On ext4,
    /// an fsync racing the journal's abort (`errors=remount-ro` after an
    /// I/O error) can return success for a transaction that was never
    /// committed: the frames' data reached the disk but not the WAL's new
    /// size, and after the check the commit is gone (docs/operations.md).
    /// The kernel marks the file system read-only only after the abort
    /// (and a superblock write), so a second `fdatasync` catches most such
    /// commits but can still pass in between; a one-byte `fallocate`
    /// (`KEEP_SIZE`, inside the file: nothing changes) starts a journal
    /// handle, which fails as soon as the journal is aborted. A file
    /// system without `fallocate` has only the sync. In memory: nothing.
    fn confirm(&self) -> Result<(), String> {
        use rustix::fs::{FallocateFlags, fallocate};
        use rustix::io::Errno;
        let Some(wal) = &self.wal else {
            return Ok(());
        };
        let resync = wal.sync_data();
        resync.map_err(|e| format!("syncing the WAL again after COMMIT: {e}"))?;
        // Only what an aborted journal or a shut-down file system answers
        // casts doubt; anything else (no `fallocate` here, a full disk)
        // says nothing about the commit.
        match fallocate(wal, FallocateFlags::KEEP_SIZE, 0, 1) {
            Err(e) if e == Errno::ROFS || e == Errno::IO => {
                Err(format!("a journal check of the WAL after COMMIT: {e}"))
            }
            _ => Ok(()),
        }
    }

    /// The WAL still holds the pages as they were before a detach (names
    /// included): copied into the database (whose freed space
    /// `secure_delete` zeroes) and the WAL emptied. Best effort: a reader
    /// in the middle of a long read keeps its pages until the next one.
    fn forget_old_pages(&self) {
        let run = || -> rusqlite::Result<i64> {
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
        };
        match run() {
            Ok(0) => {}
            Ok(_) => {
                tracing::warn!("after a detach: the WAL is busy; emptied at a later checkpoint")
            }
            Err(e) => tracing::warn!(%e, "after a detach: checkpoint failed"),
        }
    }

    fn exec(&self, sql: &str) -> Result<(), String> {
        let run = || -> rusqlite::Result<usize> { self.conn.prepare_cached(sql)?.execute([]) };
        run().map(drop).map_err(|e| format!("{sql}: {e}"))
    }

    /// Writes one op; returns the event and its new last entry, if it
    /// wrote entries.
    fn apply(&mut self, op: &Op) -> Result<Option<(EventId, Head)>, LogError> {
        match op {
            Op::Create(create) => {
                let (record, first) = &**create;
                let mut stmt = self.conn.prepare_cached(INSERT_EVENT)?;
                stmt.execute(params![
                    record.id,
                    record.join_code,
                    record.title,
                    record.moderator_secret,
                    record.screen_secret,
                    record.epoch,
                    record.created_at,
                ])
                .map_err(|err| create_error(record, err))?;
                let genesis = Head {
                    seq: 0,
                    hash: chain::GENESIS,
                };
                let last = self.insert(record.id, genesis, std::slice::from_ref(first))?;
                Ok(Some((record.id, last)))
            }
            Op::Append { event, entries } => {
                let last = self.last_seq(*event)?;
                Ok(Some((*event, self.insert(*event, last, entries)?)))
            }
            Op::Summary(event, s) => summary::save(&self.conn, *event, s).map(|()| None),
        }
    }

    /// Inserts entries that must follow `last`, each linked to the one
    /// before (`chain`); returns the new last entry.
    fn insert(&self, event: EventId, last: Head, entries: &[Entry]) -> Result<Head, LogError> {
        let mut stmt = self.conn.prepare_cached(INSERT_ENTRY)?;
        let mut expected = last.seq + 1;
        let mut head = last.hash;
        for entry in entries {
            if entry.seq != expected {
                let msg = format!(
                    "event {event}: seq {} cannot follow {}",
                    entry.seq,
                    expected - 1
                );
                return Err(LogError::Storage(msg));
            }
            let body =
                serde_json::to_string(entry).map_err(|e| LogError::Storage(e.to_string()))?;
            // u64 values beyond i64 fail here rather than wrap.
            let hash = chain::link(&head, &body);
            stmt.execute(params![
                event,
                entry.seq,
                entry.at,
                entry.req,
                body,
                &head[..],
                &hash[..]
            ])?;
            head = hash;
            // The events table's title is what lists show without reading
            // logs: renamed in the same transaction as the entry.
            if let crate::queue::Event::TitleSet { title } = &entry.event {
                let mut rename = self.conn.prepare_cached(RENAME_EVENT)?;
                rename.execute(params![title, event])?;
            }
            // The entries it names lose their identities in the same
            // transaction as it is written (`redact`).
            if let crate::queue::Event::Detached {
                questions,
                delegates,
                redacted,
                ..
            } = &entry.event
            {
                super::redact::rewrite(&self.conn, event, questions, delegates, redacted)?;
            }
            expected += 1;
        }
        Ok(Head {
            seq: expected - 1,
            hash: head,
        })
    }

    fn last_seq(&mut self, event: EventId) -> Result<Head, LogError> {
        if let Some(&last) = self.last_seq.get(&event) {
            return Ok(last);
        }
        let mut stmt = self.conn.prepare_cached(LAST_SEQ)?;
        // Three scalar subqueries: always exactly one row.
        let (exists, max, hash): (bool, Option<u64>, Option<Vec<u8>>) =
            stmt.query_row([event], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
        if !exists {
            return Err(LogError::Storage(format!("unknown event {event}")));
        }
        let hash = match (max, hash) {
            (None, _) => chain::GENESIS,
            (Some(_), Some(h)) => h.try_into().map_err(|_| {
                LogError::Storage(format!("event {event}: its chain head is not 32 bytes"))
            })?,
            (Some(seq), None) => {
                return Err(LogError::Storage(format!(
                    "event {event}: entry {seq} is not chained"
                )));
            }
        };
        let last = Head {
            seq: max.unwrap_or(0),
            hash,
        };
        self.last_seq.insert(event, last);
        Ok(last)
    }
}

fn create_error(record: &EventRecord, err: rusqlite::Error) -> LogError {
    if let rusqlite::Error::SqliteFailure(e, Some(msg)) = &err {
        // The message names the column; the id has its own code (PRIMARYKEY).
        let unique = e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE;
        if unique && msg.contains("join_code") {
            return LogError::DuplicateCode;
        }
    }
    if err.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) {
        return LogError::Storage(format!("event {} already exists: {err}", record.id));
    }
    err.into()
}

pub(super) struct Job {
    pub(super) op: Op,
    pub(super) reply: oneshot::Sender<Result<(), LogError>>,
}

pub(super) enum Op {
    /// Boxed: far bigger than an append, and rare.
    Create(Box<(EventRecord, Entry)>),
    Append {
        event: EventId,
        entries: Vec<Entry>,
    },
    /// Not an entry: see `summary`.
    Summary(EventId, Summary),
}

impl Op {
    fn detaches(&self) -> bool {
        match self {
            Op::Append { entries, .. } => entries
                .iter()
                .any(|e| matches!(e.event, crate::queue::Event::Detached { .. })),
            _ => false,
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Op::Create(_) => 1,
            Op::Append { entries, .. } => entries.len(),
            Op::Summary(..) => 1,
        }
    }
}
