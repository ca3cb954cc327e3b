//! Online backups: `hoidap backup` copies the log while the server serves,
//! `hoidap restore` puts a copy back into a data directory no server holds.
//!
//! The copy is SQLite's backup API reading the live WAL database in one
//! step, i.e. inside one read transaction: it is the log as of one commit,
//! whatever the writer does meanwhile (readers never block it in WAL mode).
//! The backup is a single self-contained file (journal mode DELETE) that
//! also carries the two key files, in a `hoidap_keys` table: without the
//! participant key every attendee's token and every delegate's card code
//! would stop working after a restore (both are derived from it), and
//! without the admin token the organiser could not create events.
//!
//! A restored log gets a new epoch for every event: phones that held
//! positions in the old one resume with an epoch the server does not know,
//! so they get a snapshot (protocol.md, "Resume") instead of deltas from a
//! position the restored log may never have reached. Requests' ids stay in
//! the log, so a phone retrying a request the copy already holds gets its
//! original answer, and one the copy lost is applied once.

use crate::log::FILE_NAME;
use crate::private;
use rusqlite::{Connection, OpenFlags, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The key files a restore needs, by name in the data directory.
pub const KEY_FILES: [&str; 2] = ["admin-token", "participant-key"];
const KEYS_TABLE: &str = "hoidap_keys";
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0} holds no hoidap log ({1} is missing)")]
    NoLog(PathBuf, PathBuf),
    #[error("{0} is not a hoidap backup: {1}")]
    NotABackup(PathBuf, String),
    #[error(
        "a hoidap server is serving {0}: stop it first (restoring under a live server would lose what it writes)"
    )]
    Live(PathBuf),
    #[error(
        "{0} already holds a log: restore into an empty directory, or pass --force to replace it"
    )]
    Exists(PathBuf),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> BackupError + '_ {
    move |source| BackupError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What a backup or a restore holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Contents {
    pub events: u64,
    pub entries: u64,
}

/// Copies the log and the keys of `data` into `to` (0600), consistently,
/// while a server may be writing. `to` is replaced only once the copy is
/// complete and synced.
pub fn backup(data: &Path, to: &Path) -> Result<Contents, BackupError> {
    let source_path = data.join(FILE_NAME);
    if !source_path.is_file() {
        return Err(BackupError::NoLog(data.to_owned(), source_path));
    }
    let mut keys = Vec::new();
    for name in KEY_FILES {
        let path = data.join(name);
        let value = std::fs::read_to_string(&path).map_err(io_err(&path))?;
        keys.push((name, value.trim().to_owned()));
    }
    // Read-write (it never writes): a read-only connection to a WAL file
    // cannot open when the server is stopped and left no `-shm` file.
    let source = Connection::open(&source_path)?;
    source.busy_timeout(BUSY_TIMEOUT)?;
    source.pragma_update(None, "query_only", true)?;

    let tmp = with_suffix(to, ".tmp");
    remove_if_exists(&tmp)?;
    drop(private::create_new(&tmp).map_err(io_err(&tmp))?);
    let contents = (|| {
        let mut copy = Connection::open(&tmp)?;
        copy_all(&source, &mut copy)?;
        // One file, no `-wal` beside it: a copy can be moved anywhere.
        let _: String =
            copy.pragma_update_and_check(None, "journal_mode", "DELETE", |r| r.get(0))?;
        copy.execute_batch(&format!(
            "CREATE TABLE {KEYS_TABLE} (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        ))?;
        for (name, value) in &keys {
            copy.execute(
                &format!("INSERT INTO {KEYS_TABLE} (name, value) VALUES (?1, ?2)"),
                params![name, value],
            )?;
        }
        let contents = count(&copy)?;
        copy.close().map_err(|(_, e)| e)?;
        Ok::<_, BackupError>(contents)
    })();
    let contents = settled(&tmp, contents)?;
    std::fs::rename(&tmp, to).map_err(io_err(to))?;
    Ok(contents)
}

/// A copy written to `tmp`: removed if writing it failed, else made
/// durable before the caller renames it into place.
fn settled(tmp: &Path, written: Result<Contents, BackupError>) -> Result<Contents, BackupError> {
    let contents = written.inspect_err(|_| {
        let _ = std::fs::remove_file(tmp);
    })?;
    std::fs::File::open(tmp)
        .and_then(|f| f.sync_all())
        .map_err(io_err(tmp))?;
    Ok(contents)
}

/// Puts the backup `from` into `data`: the log (every event with a new
/// epoch) and the key files. Refuses while a server holds `data`, and
/// refuses to replace an existing log unless `force`.
pub fn restore(from: &Path, data: &Path, force: bool) -> Result<Contents, BackupError> {
    if !from.is_file() {
        let missing = std::io::Error::from(std::io::ErrorKind::NotFound);
        return Err(io_err(from)(missing));
    }
    let backup = Connection::open_with_flags(from, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let keys = read_keys(&backup).map_err(|e| BackupError::NotABackup(from.to_owned(), e))?;
    private::create_dir(data).map_err(io_err(data))?;
    // Held until the restore is done: a server starting meanwhile fails.
    let _lock = private::lock_dir(data)
        .map_err(io_err(data))?
        .ok_or_else(|| BackupError::Live(data.to_owned()))?;
    let log_path = data.join(FILE_NAME);
    if log_path.exists() && !force {
        return Err(BackupError::Exists(data.to_owned()));
    }
    let tmp = with_suffix(&log_path, ".restore");
    remove_if_exists(&tmp)?;
    drop(private::create_new(&tmp).map_err(io_err(&tmp))?);
    let restored = (|| {
        let mut log = Connection::open(&tmp)?;
        copy_all(&backup, &mut log)?;
        let tx = log.transaction()?;
        tx.execute_batch(&format!("DROP TABLE {KEYS_TABLE}"))?;
        let ids: Vec<u64> = tx
            .prepare("SELECT id FROM events")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for id in ids {
            tx.execute(
                "UPDATE events SET epoch = ?1 WHERE id = ?2",
                params![crate::auth::epoch(), id],
            )?;
        }
        tx.commit()?;
        let contents = count(&log)?;
        log.close().map_err(|(_, e)| e)?;
        Ok::<_, BackupError>(contents)
    })();
    let contents = settled(&tmp, restored)?;
    // A `-wal` left by the log being replaced would be replayed into the
    // restored one when it opens: remove it (and its index) first.
    for suffix in ["-wal", "-shm", "-journal"] {
        remove_if_exists(&with_suffix(&log_path, suffix))?;
    }
    std::fs::rename(&tmp, &log_path).map_err(io_err(&log_path))?;
    for (name, value) in keys {
        let path = data.join(name);
        private::replace(&path, &format!("{value}\n")).map_err(io_err(&path))?;
    }
    // It lists the replaced log's events; the server rewrites it at start.
    remove_if_exists(&data.join(private::LINKS_FILE))?;
    Ok(contents)
}

/// Copies every page of `from` into `to` in one step: one read transaction
/// on `from`, so the copy is one commit's state even while a writer runs.
fn copy_all(from: &Connection, to: &mut Connection) -> Result<(), BackupError> {
    use rusqlite::backup::{Backup, StepResult};
    let backup = Backup::new(from, to)?;
    loop {
        // -1: every page at once (`run_to_completion` insists on a
        // positive count, which would let commits in between steps restart
        // the copy under a busy writer).
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            // Another connection holds a lock a moment (a checkpoint).
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

fn read_keys(backup: &Connection) -> Result<Vec<(String, String)>, String> {
    let sql = format!("SELECT name, value FROM {KEYS_TABLE}");
    let mut stmt = backup.prepare(&sql).map_err(|e| e.to_string())?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .map_err(|e| e.to_string())?;
    let keys: Vec<(String, String)> = rows.collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    for name in KEY_FILES {
        if !keys.iter().any(|(n, v)| n == name && !v.is_empty()) {
            return Err(format!("the {name} key is missing"));
        }
    }
    // Only the names we know: never write a file a backup names.
    Ok(keys
        .into_iter()
        .filter(|(n, _)| KEY_FILES.contains(&n.as_str()))
        .collect())
}

fn count(conn: &Connection) -> Result<Contents, BackupError> {
    let (events, entries) = conn.query_row(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM entries)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Contents { events, entries })
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

fn remove_if_exists(path: &Path) -> Result<(), BackupError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(io_err(path)(e)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{EventRecord, Log, SqliteLog};
    use crate::queue::{Entry, Event, Principal};

    async fn a_data_dir(dir: &Path) -> EventRecord {
        crate::auth::Keys::load_or_create(dir).unwrap();
        let log = SqliteLog::open(dir).unwrap();
        let record = EventRecord {
            id: 1,
            join_code: "K7PQ2M".into(),
            title: "Kỳ họp".into(),
            moderator_secret: "mod".into(),
            screen_secret: "screen".into(),
            epoch: "old-epoch".into(),
            created_at: 1_700_000_000_000,
        };
        let first = Entry {
            seq: 1,
            at: record.created_at,
            by: Principal::Admin {},
            req: None,
            event: Event::Created {
                title: record.title.clone(),
                settings: Default::default(),
            },
        };
        log.create_event(record.clone(), first).await.unwrap();
        record
    }

    #[tokio::test]
    async fn a_restore_keeps_keys_and_entries_gives_new_epochs_and_refuses_to_replace() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, file) = (tmp.path().join("data"), tmp.path().join("b.sqlite3"));
        std::fs::create_dir(&data).unwrap();
        let record = a_data_dir(&data).await;
        let contents = backup(&data, &file).unwrap();
        assert_eq!(
            contents,
            Contents {
                events: 1,
                entries: 1
            }
        );

        // The log is there: refused without --force, whatever the backup.
        assert!(matches!(
            restore(&file, &data, false),
            Err(BackupError::Exists(_))
        ));
        let key = std::fs::read_to_string(data.join("participant-key")).unwrap();
        std::fs::write(data.join("participant-key"), "changed\n").unwrap();
        restore(&file, &data, true).unwrap();
        assert_eq!(
            std::fs::read_to_string(data.join("participant-key")).unwrap(),
            key
        );

        let log = SqliteLog::open(&data).unwrap();
        let events = log.events().await.unwrap();
        assert_eq!(events.len(), 1);
        assert_ne!(events[0].epoch, record.epoch);
        let again = EventRecord {
            epoch: events[0].epoch.clone(),
            ..record
        };
        assert_eq!(events[0], again, "only the epoch changes");
        assert_eq!(log.entries(1, 0).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_backup_is_refused_and_nothing_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, other) = (tmp.path().join("data"), tmp.path().join("other"));
        std::fs::create_dir(&other).unwrap();
        // A hoidap log without the keys table, as a plain file copy would be.
        drop(SqliteLog::open(&other).unwrap());
        let log = other.join(FILE_NAME);
        assert!(matches!(
            restore(&log, &data, false),
            Err(BackupError::NotABackup(..))
        ));
        assert!(!data.exists());
        assert!(matches!(backup(&data, &log), Err(BackupError::NoLog(..))));
    }
}
