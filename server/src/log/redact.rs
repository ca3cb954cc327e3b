//! Rewriting the entries a `detached` entry names (see `queue::privacy`),
//! in the transaction that inserts it, and reading them for the room.
//!
//! The rewrite is checked twice against the entry: the row must still have
//! the chain hash the entry says it had (`was`), and the rewritten bytes
//! must hash to what the entry says they will (`now`). Either mismatch
//! fails the append: the log never holds a detach that does not vouch for
//! exactly the bytes it left.

use super::{EventId, LogError};
use crate::queue::privacy::{self, Redacted, StoredEntry};
use crate::queue::{DelegateId, Entry};
use hoidap_protocol::{QuestionId, Seq};
use rusqlite::{Connection, OptionalExtension, params};

const SELECT: &str = "SELECT body, hash FROM entries WHERE event = ?1 AND seq = ?2";
const UPDATE: &str = "UPDATE entries SET body = ?1 WHERE event = ?2 AND seq = ?3";

/// The stored bytes and chain hash of `seqs` (all must exist).
pub(super) fn stored(
    conn: &Connection,
    event: EventId,
    seqs: &[Seq],
) -> Result<Vec<StoredEntry>, LogError> {
    let mut select = conn.prepare_cached(SELECT)?;
    let mut out = Vec::with_capacity(seqs.len());
    for &seq in seqs {
        let row: Option<(String, Option<Vec<u8>>)> = select
            .query_row(params![event, seq], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let corrupt = |reason: &str| LogError::Corrupt {
            event,
            seq,
            reason: reason.to_owned(),
        };
        let (body, hash) = row.ok_or_else(|| corrupt("missing"))?;
        let hash = hash
            .and_then(|h| <[u8; 32]>::try_from(h).ok())
            .ok_or_else(|| corrupt("not chained"))?;
        out.push(StoredEntry { seq, body, hash });
    }
    Ok(out)
}

/// Rewrites the rows `redacted` names, as the detach decided.
pub(super) fn rewrite(
    conn: &Connection,
    event: EventId,
    questions: &[QuestionId],
    delegates: &[DelegateId],
    redacted: &[Redacted],
) -> Result<(), LogError> {
    let seqs: Vec<Seq> = redacted.iter().map(|r| r.seq).collect();
    let rows = stored(conn, event, &seqs)?;
    let mut update = conn.prepare_cached(UPDATE)?;
    for (r, row) in redacted.iter().zip(rows) {
        let refuse = |why: &str| LogError::Storage(format!("detaching entry {}: {why}", r.seq));
        if privacy::hex(&row.hash) != r.was {
            return Err(refuse("its chain hash is not the one the detach names"));
        }
        let entry: Entry = serde_json::from_str(&row.body).map_err(|e| refuse(&e.to_string()))?;
        let body =
            privacy::rewritten(&entry, questions, delegates).map_err(|e| refuse(&e.to_string()))?;
        if privacy::bytes_hash(&body) != r.now {
            return Err(refuse(
                "its rewritten bytes are not the ones the detach names",
            ));
        }
        update.execute(params![body, event, r.seq])?;
    }
    Ok(())
}
