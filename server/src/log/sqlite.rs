//! The embedded log: one SQLite file in WAL mode.
//!
//! Writes go through one dedicated writer thread that owns the write
//! connection and commits every job queued at that moment in a single
//! transaction (group commit): with `synchronous=FULL` each commit costs an
//! fsync, so batching is what lets many rooms append at once. Each job runs
//! inside its own SAVEPOINT, so one bad job (a gap, a taken join code) is
//! rolled back alone and never fails the others sharing its transaction.
//!
//! Reads use a second connection on blocking threads: in WAL mode readers see
//! the last commit and never wait for the writer.

use super::health::{self, Health};
use super::writer::{Job, Op, Writer};
use super::{EventId, EventRecord, Log, LogError, LogFuture, Summary, summary};
use crate::queue::{Entry, State, evolve};
use hoidap_protocol::Seq;
use rusqlite::{Connection, params};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;
use tokio::sync::oneshot;

/// File name inside the data directory.
pub const FILE_NAME: &str = "hoidap.sqlite3";
/// Stored in `PRAGMA user_version`; bump with a migration when the schema changes.
/// 2: entries are chained (`prev`, `hash`: see `chain`).
const SCHEMA_VERSION: i64 = 2;
/// How long a connection waits on a lock (e.g. a checkpoint) before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY, join_code TEXT UNIQUE NOT NULL, title TEXT NOT NULL,
    moderator_secret TEXT NOT NULL, screen_secret TEXT NOT NULL, epoch TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS entries (
    event INTEGER NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, req TEXT,
    body TEXT NOT NULL, prev BLOB, hash BLOB, PRIMARY KEY (event, seq)
) WITHOUT ROWID;
";

const SELECT_EVENTS: &str = "SELECT id, join_code, title, moderator_secret, screen_secret, epoch, created_at \
    FROM events ORDER BY id";
const SELECT_ENTRIES: &str =
    "SELECT seq, body FROM entries WHERE event = ?1 AND seq > ?2 ORDER BY seq";

const SELECT_HASH: &str = "SELECT hash FROM entries WHERE event = ?1 AND seq = ?2";

/// A handle on the SQLite log. Cheap to clone; the writer thread stops once
/// the last handle is dropped, after finishing the jobs already queued.
#[derive(Clone)]
pub struct SqliteLog {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// `None` only while dropping, to close the channel before joining.
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<JoinHandle<()>>,
    reader: Arc<Mutex<Connection>>,
    commits: Arc<AtomicU64>,
    health: Arc<Health>,
}

/// The database holds every secret and the authors of anonymous questions.
/// SQLite would create it 0644 (less the umask) and gives its `-wal` and
/// `-shm` files the database file's mode: creating the database 0600 first
/// makes all three private. Files left by older versions are tightened.
fn make_private(path: &Path) -> std::io::Result<()> {
    crate::private::ensure_file(path)?;
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        crate::private::tighten(Path::new(&side))?;
    }
    Ok(())
}

impl SqliteLog {
    /// Opens (creating if needed) `dir/hoidap.sqlite3` and starts the writer.
    pub fn open(dir: &Path) -> Result<SqliteLog, LogError> {
        let path = dir.join(FILE_NAME);
        make_private(&path).map_err(|e| LogError::Storage(format!("{}: {e}", path.display())))?;
        let conn = Connection::open(&path)?;
        configure(&conn)?;
        migrate(&conn)?;
        conn.execute_batch(summary::SCHEMA)?;
        conn.execute_batch(health::SCHEMA)?;
        // Opened after the schema exists; `query_only` guards against a read
        // path ever writing behind the writer's back (and its seq cache).
        let reader = Connection::open(&path)?;
        reader.busy_timeout(BUSY_TIMEOUT)?;
        reader.pragma_update(None, "query_only", true)?;

        let commits = Arc::new(AtomicU64::new(0));
        let (tx, rx) = mpsc::channel();
        let health = Arc::new(Health::default());
        let writer = Writer::new(conn, commits.clone(), health.clone())?;
        let handle = std::thread::Builder::new()
            .name("hoidap-log-writer".into())
            .spawn(move || writer.run(rx))
            .map_err(|e| LogError::Storage(format!("starting the log writer: {e}")))?;
        tracing::debug!(path = %path.display(), "sqlite log open");
        Ok(SqliteLog {
            inner: Arc::new(Inner {
                path,
                jobs: Some(tx),
                writer: Some(handle),
                reader: Arc::new(Mutex::new(reader)),
                commits,
                health,
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Transactions committed by the writer so far (each is one fsync).
    pub fn commits(&self) -> u64 {
        self.inner.commits.load(Ordering::Relaxed)
    }

    fn submit(&self, op: Op) -> LogFuture<'_, ()> {
        Box::pin(async move {
            let (reply, done) = oneshot::channel();
            let jobs = self.inner.jobs.as_ref().ok_or(LogError::Closed)?;
            jobs.send(Job { op, reply }).map_err(|_| LogError::Closed)?;
            // A dropped reply means the writer thread died (panicked).
            done.await.map_err(|_| LogError::Closed)?
        })
    }

    /// Runs `f` on the read connection on a blocking thread.
    fn read<T, F>(&self, f: F) -> LogFuture<'_, T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, LogError> + Send + 'static,
    {
        let reader = self.inner.reader.clone();
        let doubtful = self.inner.health.doubtful();
        Box::pin(async move {
            // The reader would see the commit the disk may have lost: a
            // room rebuilt from it would answer retries as applied.
            if let Some(reason) = doubtful {
                return Err(LogError::Storage(reason));
            }
            tokio::task::spawn_blocking(move || {
                // A panic elsewhere while holding the lock leaves the
                // connection usable: statements are reset when dropped.
                let conn = reader.lock().unwrap_or_else(PoisonError::into_inner);
                f(&conn)
            })
            .await
            .map_err(|e| LogError::Storage(format!("read task: {e}")))?
        })
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Closing the channel lets the writer drain what is queued and exit;
        // joining makes sure the file is closed when the last handle is gone,
        // so reopening it right away sees everything.
        drop(self.jobs.take());
        if self
            .writer
            .take()
            .is_some_and(|writer| writer.join().is_err())
        {
            tracing::error!("the log writer thread panicked");
        }
    }
}

impl Log for SqliteLog {
    fn create_event(&self, record: EventRecord, first: Entry) -> LogFuture<'_, ()> {
        self.submit(Op::Create(Box::new((record, first))))
    }

    fn append(&self, event: EventId, entries: Vec<Entry>) -> LogFuture<'_, ()> {
        if entries.is_empty() {
            return Box::pin(async { Ok(()) });
        }
        self.submit(Op::Append { event, entries })
    }

    fn events(&self) -> LogFuture<'_, Vec<EventRecord>> {
        self.read(|conn| {
            let mut stmt = conn.prepare_cached(SELECT_EVENTS)?;
            let rows = stmt.query_map([], |row| {
                Ok(EventRecord {
                    id: row.get(0)?,
                    join_code: row.get(1)?,
                    title: row.get(2)?,
                    moderator_secret: row.get(3)?,
                    screen_secret: row.get(4)?,
                    epoch: row.get(5)?,
                    created_at: row.get(6)?,
                })
            })?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
    }

    fn entries(&self, event: EventId, after: Seq) -> LogFuture<'_, Vec<Entry>> {
        self.read(move |conn| {
            let mut out = Vec::new();
            scan(conn, event, after, |entry| out.push(entry))?;
            Ok(out)
        })
    }

    fn replay(&self, event: EventId) -> LogFuture<'_, State> {
        self.read(move |conn| {
            let mut state = State::default();
            scan(conn, event, 0, |entry| evolve(&mut state, &entry))?;
            Ok(state)
        })
    }

    fn head(&self, event: EventId, seq: Seq) -> LogFuture<'_, Option<super::chain::Hash>> {
        self.read(move |conn| {
            let seq = seq.min(i64::MAX as u64);
            let mut stmt = conn.prepare_cached(SELECT_HASH)?;
            let mut rows = stmt.query(params![event, seq])?;
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            let hash: Option<Vec<u8>> = row.get(0)?;
            // The writer stores a hash with every entry (schema 2): one
            // without, or of the wrong size, is not a chain to report.
            let hash = hash.and_then(|h| <super::chain::Hash>::try_from(h.as_slice()).ok());
            hash.map(Some).ok_or(LogError::Corrupt {
                event,
                seq,
                reason: "no hash stored".into(),
            })
        })
    }

    fn save_summary(&self, event: EventId, summary: Summary) -> LogFuture<'_, ()> {
        self.submit(Op::Summary(event, summary))
    }

    fn summaries(&self) -> LogFuture<'_, Vec<super::SummaryRow>> {
        self.read(summary::all)
    }

    fn stored(
        &self,
        event: EventId,
        seqs: Vec<Seq>,
    ) -> LogFuture<'_, Vec<crate::queue::privacy::StoredEntry>> {
        self.read(move |conn| super::redact::stored(conn, event, &seqs))
    }

    fn unwritable(&self) -> Option<health::Unwritable> {
        self.inner.health.status()
    }
}

/// Reads the event's entries with `seq > after`, in order, into `each`.
fn scan(
    conn: &Connection,
    event: EventId,
    after: Seq,
    mut each: impl FnMut(Entry),
) -> Result<(), LogError> {
    // Stored seqs fit in i64, so an `after` beyond it matches nothing.
    let after = after.min(i64::MAX as u64);
    let mut stmt = conn.prepare_cached(SELECT_ENTRIES)?;
    let mut rows = stmt.query(params![event, after])?;
    while let Some(row) = rows.next()? {
        let seq: Seq = row.get(0)?;
        let corrupt = |reason| LogError::Corrupt { event, seq, reason };
        // A body that is not even text is as corrupt as bad JSON.
        let body = row
            .get_ref(1)?
            .as_str()
            .map_err(|e| corrupt(e.to_string()))?;
        let entry: Entry = serde_json::from_str(body).map_err(|e| corrupt(e.to_string()))?;
        // The key is what ordering and continuity rely on: a body that
        // disagrees with it cannot be trusted either.
        if entry.seq != seq {
            return Err(corrupt(format!("body says seq {}", entry.seq)));
        }
        each(entry);
    }
    Ok(())
}

fn configure(conn: &Connection) -> Result<(), LogError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        // Without WAL readers would block the writer; refuse rather than
        // run slowly in a way nobody notices.
        let msg = format!("journal_mode is {mode}: WAL is not supported on this file system");
        return Err(LogError::Storage(msg));
    }
    // What a detach removes must not stay in free space of the file.
    conn.pragma_update(None, "secure_delete", true)?;
    // An acknowledged entry must survive power loss, not only a crash.
    Ok(conn.pragma_update(None, "synchronous", "FULL")?)
}

fn migrate(conn: &Connection) -> Result<(), LogError> {
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    match version {
        SCHEMA_VERSION => Ok(()),
        1 => {
            // Chains added to a log written before them, all at once and
            // in one transaction: a crash leaves it as it was.
            conn.execute_batch(
                "BEGIN IMMEDIATE; ALTER TABLE entries ADD COLUMN prev BLOB; \
                 ALTER TABLE entries ADD COLUMN hash BLOB;",
            )?;
            let chained = super::chain::add_to_unchained(conn)?;
            conn.execute_batch(&format!("PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"))?;
            tracing::info!(chained, "log entries chained (schema 1 to 2)");
            Ok(())
        }
        0 => {
            // The schema and its version in one transaction, so a crash
            // cannot leave a half-created database marked as current.
            let sql = format!(
                "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            );
            Ok(conn.execute_batch(&sql)?)
        }
        // Most likely written by a newer hoidap: refuse rather than guess.
        v => Err(LogError::Storage(format!(
            "unsupported log schema version {v}"
        ))),
    }
}

/// Any SQLite failure outside the cases mapped explicitly is a storage error.
impl From<rusqlite::Error> for LogError {
    fn from(err: rusqlite::Error) -> LogError {
        LogError::Storage(err.to_string())
    }
}

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
