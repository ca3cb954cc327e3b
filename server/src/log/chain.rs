//! Each event's log is a hash chain: entry `n` stores `prev`, the hash of
//! entry `n - 1` (32 zero bytes for the first), and `hash` =
//! SHA-256(`prev` ‖ its stored bytes). Changing one byte of an entry breaks
//! its own hash; removing one breaks the next one's `prev` (and leaves a
//! gap in the positions). The last hash, the chain head, summarises the
//! whole log: printed on a report, it lets anyone check later that the
//! data is the one reported. Truncating the end is caught only that way.

use super::EventId;
use hoidap_protocol::Seq;
use rusqlite::{Connection, params};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashSet};

pub type Hash = [u8; 32];

/// The `prev` of an event's first entry.
pub const GENESIS: Hash = [0; 32];

/// The hash of an entry stored as `body` after the entry hashed `prev`.
pub fn link(prev: &Hash, body: impl AsRef<[u8]>) -> Hash {
    let mut h = Sha256::new();
    h.update(prev);
    h.update(body.as_ref());
    h.finalize().into()
}

/// Lowercase hex, as exports and `verify` print a hash (the core's, which
/// writes the hashes a detach keeps).
pub use crate::queue::privacy::hex;

/// What `verify` found in one event's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every entry links to the one before: `entries` of them, ending in
    /// `head`.
    Intact { entries: u64, head: Hash },
    /// The first position at which the chain does not hold, and why.
    Broken { seq: Seq, reason: String },
}

/// Checks one event's chain from its first entry.
///
/// An entry whose bytes no longer match its hash is accepted only when a
/// later `detached` entry vouches for it (`queue::privacy`): it names the
/// position, the hash the entry keeps and the SHA-256 of its bytes now.
/// Its hash still links the chain, so removing or reordering entries is
/// caught as before; any change a detach does not vouch for breaks it.
pub fn verify(conn: &Connection, event: EventId) -> rusqlite::Result<Verdict> {
    let mut stmt =
        conn.prepare("SELECT seq, body, prev, hash FROM entries WHERE event = ?1 ORDER BY seq")?;
    let mut rows = stmt.query([event])?;
    let (mut expected, mut head) = (1, GENESIS);
    // Changed entries not vouched for yet: seq -> (their hash, SHA-256 of
    // their bytes). And those a detach vouched for.
    let mut changed: BTreeMap<Seq, (Hash, Hash)> = BTreeMap::new();
    let mut vouched: HashSet<Seq> = HashSet::new();
    while let Some(row) = rows.next()? {
        let seq: Seq = row.get(0)?;
        let broken = |at: Seq, reason: &str| Verdict::Broken {
            seq: at,
            reason: reason.to_owned(),
        };
        if seq != expected {
            let reason = format!("missing: the next stored entry is {seq}");
            return Ok(broken(expected, &reason));
        }
        let body = row.get_ref(1)?.as_bytes().unwrap_or_default();
        let (prev, hash): (Option<Vec<u8>>, Option<Vec<u8>>) = (row.get(2)?, row.get(3)?);
        if prev.as_deref() != Some(&head[..]) {
            return Ok(broken(seq, "its link to the previous entry does not match"));
        }
        let Some(stored) = hash.and_then(|h| Hash::try_from(h).ok()) else {
            return Ok(broken(seq, "it has no hash"));
        };
        if link(&head, body) != stored {
            changed.insert(seq, (stored, Sha256::digest(body).into()));
        } else if let Some(redacted) = detached(body) {
            for r in redacted {
                match changed.get(&r.seq) {
                    Some((was, now)) if r.seq < seq && hex(was) == r.was => {
                        // Rewritten again by a later detach: that one
                        // must vouch for the bytes it left.
                        if hex(now) == r.now {
                            changed.remove(&r.seq);
                        }
                        vouched.insert(r.seq);
                    }
                    _ if vouched.contains(&r.seq) => {}
                    _ => {
                        let why = format!("the detach at {seq} names it, but it holds other bytes");
                        return Ok(broken(r.seq, &why));
                    }
                }
            }
        }
        head = stored;
        expected += 1;
    }
    if let Some((&seq, _)) = changed.iter().next() {
        let reason = "its bytes do not match its hash (changed)";
        return Ok(Verdict::Broken {
            seq,
            reason: reason.to_owned(),
        });
    }
    Ok(Verdict::Intact {
        entries: expected - 1,
        head,
    })
}

/// The rewrites a `detached` entry vouches for; `None` for any other.
fn detached(body: &[u8]) -> Option<Vec<crate::queue::privacy::Redacted>> {
    // Most entries are votes: skip the parse unless it can be one.
    if !body.windows(10).any(|w| w == b"\"detached\"") {
        return None;
    }
    match serde_json::from_slice::<crate::queue::Entry>(body)
        .ok()?
        .event
    {
        crate::queue::Event::Detached { redacted, .. } => Some(redacted),
        _ => None,
    }
}

/// Chains the entries of a log written before chains existed (schema 1),
/// inside the caller's transaction.
pub fn add_to_unchained(conn: &Connection) -> rusqlite::Result<u64> {
    let mut events = conn.prepare("SELECT id FROM events ORDER BY id")?;
    let ids: Vec<EventId> = events
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut select = conn.prepare("SELECT seq, body FROM entries WHERE event = ?1 ORDER BY seq")?;
    let mut update =
        conn.prepare("UPDATE entries SET prev = ?1, hash = ?2 WHERE event = ?3 AND seq = ?4")?;
    let mut chained = 0;
    for id in ids {
        let rows: Vec<(Seq, String)> = select
            .query_map([id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut head = GENESIS;
        for (seq, body) in rows {
            let hash = link(&head, &body);
            update.execute(params![&head[..], &hash[..], id, seq])?;
            head = hash;
            chained += 1;
        }
    }
    Ok(chained)
}

/// One event's verdict, by its join code and title.
#[derive(Debug, Clone)]
pub struct Checked {
    pub join_code: String,
    pub title: String,
    pub verdict: Verdict,
}

/// Checks the chains of the log in `dir` (every event, or the one whose
/// join code is `code`), reading only: a running server may keep serving.
pub fn verify_dir(
    dir: &std::path::Path,
    code: Option<&str>,
) -> Result<Vec<Checked>, super::LogError> {
    use rusqlite::OpenFlags;
    let path = dir.join(super::FILE_NAME);
    if !path.exists() {
        return Err(super::LogError::Storage(format!(
            "{} does not exist",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
    if version < 2 {
        let msg = format!(
            "the log's schema is {version}, without chains: start hoidap once on it to chain it"
        );
        return Err(super::LogError::Storage(msg));
    }
    let mut stmt = conn.prepare("SELECT id, join_code, title FROM events ORDER BY id")?;
    let events: Vec<(EventId, String, String)> = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let wanted = code.map(|c| c.trim().to_uppercase());
    let mut out = Vec::new();
    for (id, join_code, title) in events {
        if wanted
            .as_ref()
            .is_some_and(|w| *w != join_code.to_uppercase())
        {
            continue;
        }
        let verdict = verify(&conn, id)?;
        out.push(Checked {
            join_code,
            title,
            verdict,
        });
    }
    if let Some(w) = wanted
        && out.is_empty()
    {
        return Err(super::LogError::Storage(format!(
            "no event has the join code {w}"
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_depends_on_the_previous_hash_and_every_byte() {
        let first = link(&GENESIS, r#"{"seq":1}"#);
        assert_ne!(first, link(&GENESIS, r#"{"seq":2}"#));
        assert_ne!(link(&first, "x"), link(&GENESIS, "x"));
        assert_eq!(hex(&GENESIS).len(), 64);
    }
}
