//! Personal data after the meeting: detaching askers' identities.
//!
//! A question's asker is named by the `asked` entry (name and unit, as the
//! asker chose to show them) and, in a roster event, by the roster's
//! `delegates_added` entry behind the asker's delegate id. Detaching
//! removes both for a scope (every asker once the event's retention period
//! is over, one delegate on request, the asker of one question): the
//! stored bytes of those entries are rewritten without the names, and a
//! `detached` entry records, for each rewritten position, the chain hash
//! it had (`was`) and the SHA-256 of its new bytes (`now`). The chain
//! still verifies (`log::chain`): a rewritten entry is accepted when a
//! later `detached` entry vouches for exactly its bytes; any other change
//! still breaks it. The text of what was removed is kept nowhere.
//!
//! What stays: the delegate's id (`d12`) and the participant's pseudonym
//! keep keying votes (one vote per delegate), so counts do not change; a
//! question keeps its identity *level* ("named", now without the name).
//!
//! Pure like the rest of the core: the room reads the stored entries and
//! passes them in the command; hashing is computation, not I/O.

use super::{DelegateId, Entry, Event, Rejection, State, due};
use hoidap_protocol::{Phase, QuestionId, Seq};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Longest retention an organiser may set (ten years).
pub const MAX_RETENTION_DAYS: u32 = 3_650;
const DAY_MS: u64 = 86_400_000;

/// Why identities were detached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetachReason {
    /// The event's retention period ended (`Settings::retention_days`).
    Retention,
    /// The organiser acted on a person's request.
    Request,
}

/// One rewritten entry: its position, the chain hash it keeps (of the
/// bytes it had), and the SHA-256 of the bytes it has now (hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redacted {
    pub seq: Seq,
    pub was: String,
    pub now: String,
}

/// Whose identities a detach removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every asker and every delegate (the retention period ended).
    All,
    /// One delegate: their roster record and their questions' names.
    Delegate(DelegateId),
    /// Whoever asked this question: every question of that asker (and
    /// their roster record, if a delegate).
    AskerOf(QuestionId),
}

/// An entry as the log stores it.
#[derive(Debug, Clone)]
pub struct StoredEntry {
    pub seq: Seq,
    pub body: String,
    /// Its chain hash.
    pub hash: [u8; 32],
}

/// What a scope reaches in the state: the questions and delegates that
/// still hold a name, and the positions of the entries that hold them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub questions: Vec<QuestionId>,
    pub delegates: Vec<DelegateId>,
    /// Sorted, distinct.
    pub seqs: Vec<Seq>,
}

/// One person a scope names: their voter key, if they ever asked or
/// voted, their roster record, and for `AskerOf` the question itself (its
/// asker's key may be unknown: a staff member's question).
pub(super) struct Reached<'a> {
    pub key: Option<u32>,
    pub delegate: Option<&'a super::Delegate>,
    pub question: Option<QuestionId>,
}

impl Reached<'_> {
    /// `q` is theirs.
    pub fn asked(&self, q: &super::QuestionState) -> bool {
        Some(q.id) == self.question || (self.key.is_some() && q.asker == self.key)
    }
}

/// Whom a one-person scope names. The asker of a question anonymous to
/// everyone is refused (`Forbidden`): following its pseudonym would link
/// it to the asker's other anonymous questions.
pub(super) fn reached(state: &State, scope: Scope) -> Result<Reached<'_>, Rejection> {
    match scope {
        Scope::All => Err(Rejection::BadSetting("a person: a delegate or a question")),
        Scope::Delegate(id) => {
            let d = state.delegates.get(&id).ok_or(Rejection::UnknownDelegate)?;
            let key = state.participant(&d.key);
            Ok(Reached {
                key,
                delegate: Some(d),
                question: None,
            })
        }
        Scope::AskerOf(id) => {
            let q = state.questions.get(&id).ok_or(Rejection::UnknownQuestion)?;
            if q.identity == hoidap_protocol::Identity::Anonymous {
                return Err(Rejection::Forbidden);
            }
            let key = q.asker.map(|i| state.participant_id(i));
            let delegate = state
                .delegates
                .values()
                .find(|d| Some(d.key.as_str()) == key);
            Ok(Reached {
                key: q.asker,
                delegate,
                question: Some(id),
            })
        }
    }
}

/// What `scope` would detach now.
pub fn targets(state: &State, scope: Scope) -> Result<Targets, Rejection> {
    let person = match scope {
        Scope::All => None,
        // Nothing of an anonymous question's asker was kept to detach.
        _ => match reached(state, scope) {
            Err(Rejection::Forbidden) => return Ok(Targets::default()),
            other => Some(other?),
        },
    };
    let delegates: Vec<DelegateId> = match &person {
        None => state.delegates.keys().copied().collect(),
        Some(p) => p.delegate.map(|d| d.id).into_iter().collect(),
    };
    let mut t = Targets::default();
    for q in state.questions.values() {
        let theirs = person.as_ref().is_none_or(|p| p.asked(q));
        if theirs && (q.name.is_some() || q.unit.is_some()) {
            t.questions.push(q.id);
            t.seqs.push(q.asked_seq);
        }
    }
    for id in delegates {
        if let Some(d) = state.delegates.get(&id)
            && (!d.name.is_empty() || d.unit.is_some() || d.position.is_some())
        {
            t.delegates.push(id);
            t.seqs.push(d.added_seq);
        }
    }
    t.seqs.sort_unstable();
    t.seqs.dedup();
    Ok(t)
}

/// The `detached` entry for `scope`, given the stored entries at
/// `targets(state, scope).seqs`; `None` when nothing is left to detach.
pub fn decide_detach(
    state: &State,
    scope: Scope,
    reason: DetachReason,
    stored: &[StoredEntry],
) -> Result<Option<Event>, Rejection> {
    let t = targets(state, scope)?;
    if t.questions.is_empty() && t.delegates.is_empty() {
        return Ok(None);
    }
    let given: Vec<Seq> = stored.iter().map(|s| s.seq).collect();
    if given != t.seqs {
        // The room reads exactly these; anything else is a bug upstream.
        return Err(Rejection::BadSetting("the stored entries to detach"));
    }
    let mut redacted = Vec::with_capacity(stored.len());
    for s in stored {
        let entry: Entry =
            serde_json::from_str(&s.body).map_err(|_| Rejection::BadSetting("a stored entry"))?;
        let body = rewritten(&entry, &t.questions, &t.delegates)
            .map_err(|_| Rejection::BadSetting("a stored entry"))?;
        redacted.push(Redacted {
            seq: s.seq,
            was: hex(&s.hash),
            now: bytes_hash(&body),
        });
    }
    Ok(Some(Event::Detached {
        reason,
        questions: t.questions,
        delegates: t.delegates,
        redacted,
    }))
}

/// The bytes `entry` is stored as once `questions`' and `delegates'`
/// identities are detached. Idempotent: rewriting rewritten bytes gives
/// the same bytes, which is what lets the log check them.
pub fn rewritten(
    entry: &Entry,
    questions: &[QuestionId],
    delegates: &[DelegateId],
) -> Result<String, serde_json::Error> {
    let mut entry = entry.clone();
    match &mut entry.event {
        Event::Asked { id, name, unit, .. } if questions.contains(id) => {
            *name = None;
            *unit = None;
        }
        Event::DelegatesAdded { delegates: rows } => {
            for r in rows.iter_mut().filter(|r| delegates.contains(&r.id)) {
                r.name = String::new();
                r.unit = None;
                r.position = None;
            }
        }
        _ => {}
    }
    serde_json::to_string(&entry)
}

pub(super) fn evolve_detached(
    state: &mut State,
    questions: &[QuestionId],
    delegates: &[DelegateId],
) {
    for id in questions {
        if let Some(q) = state.questions.get_mut(id) {
            q.name = None;
            q.unit = None;
            q.detached = true;
        }
    }
    for id in delegates {
        if let Some(d) = state.delegates.get_mut(id) {
            d.name = String::new();
            d.unit = None;
            d.position = None;
        }
    }
}

/// When the event's retention period ends (ms since the epoch): its
/// `retention_days` after the follow-up period, which ends when the event
/// is closed or at the end of its latest due date, whichever is later.
/// `None` while the event is open or when names are kept.
pub fn detach_at(state: &State) -> Option<u64> {
    let days = state.settings.retention_days?;
    let closed = state.closed_at.filter(|_| state.phase == Phase::Closed)?;
    let last_due = state
        .questions
        .values()
        .filter_map(|q| q.follow.due.as_deref().and_then(due::parse_day))
        .max()
        // The due date's last moment: its local midnight.
        .map(|day| ((day + 1) * DAY_MS as i64 - due::OFFSET_MS).max(0) as u64);
    let end = last_due.map_or(closed, |d| d.max(closed));
    Some(end.saturating_add(u64::from(days) * DAY_MS))
}

/// The retention period is over and some identity is still held.
pub fn retention_due(state: &State, now: u64) -> bool {
    detach_at(state).is_some_and(|at| now >= at) && holds_names(state)
}

/// Some asker's or delegate's name or unit is still held.
pub fn holds_names(state: &State) -> bool {
    targets(state, Scope::All).is_ok_and(|t| !t.seqs.is_empty())
}

pub fn hex(bytes: &[u8; 32]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of stored bytes, in hex: a rewritten entry's `now`.
pub fn bytes_hash(body: &str) -> String {
    hex(&Sha256::digest(body.as_bytes()).into())
}
