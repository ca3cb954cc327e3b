//! Each event's summary, for `GET /api/events` while its room is not
//! loaded (see `rooms::stats`).
//!
//! Kept in its own table beside the log rather than computed from the
//! entries: counting questions or finding the phase from `entries` would mean
//! reading every body (the replay lazy loading exists to avoid) or SQL that
//! knows the entry format, which must stay free to change. The room writes
//! it when it stops (idle or shutdown); after a crash it may be a little
//! stale, which is why the last activity is read from the entries' keys.

use super::{EventId, LogError, Summary, SummaryRow};
use rusqlite::{Connection, params};

/// Created whenever the log opens: a new table no older version reads, so
/// adding it needs no schema version of its own.
pub(super) const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS summaries (
    event INTEGER PRIMARY KEY, body TEXT NOT NULL
)";

const UPSERT: &str = "INSERT INTO summaries (event, body) VALUES (?1, ?2) \
    ON CONFLICT (event) DO UPDATE SET body = excluded.body";

/// The time of each event's last entry is one index seek per event (the
/// entries' primary key is `(event, seq)`): no body is read.
const SELECT: &str = "SELECT e.id, s.body, \
    (SELECT at FROM entries WHERE event = e.id ORDER BY seq DESC LIMIT 1) \
    FROM events e LEFT JOIN summaries s ON s.event = e.id ORDER BY e.id";

pub(super) fn save(conn: &Connection, event: EventId, summary: &Summary) -> Result<(), LogError> {
    let body = serde_json::to_string(summary).map_err(|e| LogError::Storage(e.to_string()))?;
    conn.prepare_cached(UPSERT)?.execute(params![event, body])?;
    Ok(())
}

pub(super) fn all(conn: &Connection) -> Result<Vec<SummaryRow>, LogError> {
    let mut stmt = conn.prepare_cached(SELECT)?;
    let rows = stmt.query_map([], |row| {
        let body: Option<String> = row.get(1)?;
        // An unreadable summary is only a missing figure.
        let summary = body.and_then(|b| serde_json::from_str(&b).ok());
        Ok((row.get(0)?, summary, row.get(2)?))
    })?;
    Ok(rows.collect::<Result<Vec<_>, _>>()?)
}
