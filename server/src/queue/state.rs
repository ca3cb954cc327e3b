//! The state of one event, as rebuilt from its log.

use super::followup::{Follow, TopicRecord};
use super::{Delegate, DelegateId, Principal, StaffId, StaffMember};
use hoidap_protocol::{Identity, Phase, QuestionId, QuestionStatus, Seq, Settings};
use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Maps and sets keyed by participants and request ids. std's SipHash was
/// a fifth of replaying a million-entry log at start-up (and of applying
/// each vote); foldhash is several times cheaper and seeded randomly per
/// process, which is enough for keys clients choose (request ids).
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
pub type FastSet<K> = HashSet<K, foldhash::fast::RandomState>;

/// Participants are interned to small integers: a vote is then 4 bytes in a
/// set instead of a string, which matters at tens of thousands of votes.
pub type ParticipantIndex = u32;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    pub title: String,
    pub settings: Settings,
    pub phase: Phase,
    pub current: Option<QuestionId>,
    pub questions: BTreeMap<QuestionId, QuestionState>,
    /// Named staff, revoked ones included (the log still names them).
    pub staff: BTreeMap<StaffId, StaffMember>,
    /// The roster (roster events), by id.
    pub delegates: BTreeMap<DelegateId, Delegate>,
    /// The event's topics, in the panel's order.
    pub topics: Vec<TopicRecord>,
    /// The highest topic id ever given: removed topics' ids are not reused.
    pub last_topic: u32,
    /// Log position of the last applied entry.
    pub seq: Seq,
    /// The latest entry time applied (ms since the Unix epoch): the next
    /// entry is never stamped before it (see `room::clock`).
    pub last_at: u64,
    /// When the event was last closed, while it is (the retention period
    /// counts from it: `privacy::detach_at`).
    pub closed_at: Option<u64>,
    participants: FastMap<String, ParticipantIndex>,
    participant_ids: Vec<String>,
    /// Request ids already applied, by requester: a retried request gets
    /// the original answer instead of applying twice. Only the last
    /// `REMEMBERED_REQUESTS` of each requester.
    requests: FastMap<RequesterKey, Recent>,
    /// Not from the log: the server's configuration, set by the room.
    /// `decide` enforces them; `evolve` never looks (a replayed log is
    /// replayed whatever the quotas are now).
    pub quotas: Quotas,
}

/// How many questions may accumulate, whatever the pace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quotas {
    /// Questions of one participant waiting for approval (pre-moderation):
    /// a person has one or two questions at a time; more is someone filling
    /// the moderators' pending list faster than they can read it.
    pub pending_per_participant: u32,
    /// Questions in one event, all statuses. A long meeting gets a few
    /// hundred; past 1,000 the snapshot every phone downloads on joining
    /// grows to megabytes (at the 500-character default, Vietnamese text
    /// is ~1.5 KB a question).
    pub questions_per_event: u32,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            pending_per_participant: 5,
            questions_per_event: 1000,
        }
    }
}

impl Quotas {
    /// No quotas (load tests).
    pub fn off() -> Self {
        Quotas {
            pending_per_participant: u32::MAX,
            questions_per_event: u32::MAX,
        }
    }
}

/// Request ids remembered per requester (a participant, or a role). A
/// retry comes within minutes of the first try (a reconnect, a reload),
/// after at most the 64 requests a connection may have in flight plus the
/// client's kept outbox, not days later; remembering every id forever cost
/// a map entry per vote toggle (gigabytes an hour under a script). A
/// request retried after 256 newer ones applies again: for a vote, the
/// same vote (harmless); for a question, a second copy.
pub const REMEMBERED_REQUESTS: usize = 256;

/// One requester's last request ids, oldest first in `order`. Built by
/// `evolve` alone, so a replayed log remembers exactly the same ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Recent {
    applied: FastMap<String, Applied>,
    order: std::collections::VecDeque<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RequesterKey {
    Participant(ParticipantIndex),
    Staff(StaffId),
    Link(hoidap_protocol::Role),
    Admin,
}

/// Where a request was applied, and the question it created, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub seq: Seq,
    pub question: Option<QuestionId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionState {
    pub id: QuestionId,
    pub text: String,
    pub original_text: Option<String>,
    pub name: Option<String>,
    pub unit: Option<String>,
    pub identity: Identity,
    pub status: QuestionStatus,
    pub asker: Option<ParticipantIndex>,
    pub created_at: u64,
    /// The position of its `asked` entry (the one a detach rewrites).
    pub asked_seq: Seq,
    /// Its asker's name and unit were detached (`privacy`).
    pub detached: bool,
    pub voters: FastSet<ParticipantIndex>,
    pub follow: Follow,
}

impl QuestionState {
    pub fn votes(&self) -> u32 {
        self.voters.len() as u32
    }

    /// Attendees and the screen see neither pending nor hidden questions,
    /// nor one merged into another (they see that one).
    pub fn is_public(&self) -> bool {
        self.status.is_public() && self.follow.merged_into.is_none()
    }
}

impl State {
    pub fn next_question_id(&self) -> QuestionId {
        self.questions.keys().next_back().map_or(1, |id| id + 1)
    }

    /// Moves a question to `status`; the current question is always a
    /// live one.
    pub(super) fn set_status(&mut self, id: QuestionId, status: QuestionStatus) {
        if let Some(q) = self.questions.get_mut(&id) {
            q.status = status;
            if status != QuestionStatus::Live && self.current == Some(id) {
                self.current = None;
            }
        }
    }

    pub fn participant(&self, id: &str) -> Option<ParticipantIndex> {
        self.participants.get(id).copied()
    }

    /// Questions of participant `p` waiting for approval. A scan: asking is
    /// rate limited and an event holds at most `questions_per_event`.
    pub fn pending_of(&self, p: ParticipantIndex) -> u32 {
        let pending = |q: &&QuestionState| {
            q.asker == Some(p) && q.status == hoidap_protocol::QuestionStatus::Pending
        };
        self.questions.values().filter(pending).count() as u32
    }

    /// The delegate whose voter key is `key` (`d7`), if any.
    pub fn delegate(&self, key: &str) -> Option<&Delegate> {
        let id: DelegateId = key.parse().ok()?;
        self.delegates.get(&id)
    }

    pub fn participant_id(&self, index: ParticipantIndex) -> &str {
        &self.participant_ids[index as usize]
    }

    /// The earlier application of request `req` by `actor`, if any.
    pub fn applied(&self, by: &Principal, req: &str) -> Option<Applied> {
        let who = match by.voter() {
            Some(key) => RequesterKey::Participant(self.participant(&key)?),
            None => requester(by),
        };
        self.requests.get(&who)?.applied.get(req).copied()
    }

    /// How many request ids are remembered, all requesters together.
    pub fn requests_remembered(&self) -> usize {
        self.requests.values().map(|r| r.order.len()).sum()
    }

    pub(super) fn record_request(&mut self, by: &Principal, req: &str, applied: Applied) {
        let who = match by.voter() {
            Some(key) => RequesterKey::Participant(self.intern(&key)),
            None => requester(by),
        };
        let recent = self.requests.entry(who).or_default();
        if recent.applied.insert(req.to_owned(), applied).is_some() {
            // The same id applied again (it was already forgotten once, or
            // a client reused it): keep one place in the order.
            recent.order.retain(|r| r != req);
        }
        recent.order.push_back(req.to_owned());
        if recent.order.len() > REMEMBERED_REQUESTS
            && let Some(oldest) = recent.order.pop_front()
        {
            recent.applied.remove(&oldest);
        }
    }

    pub(super) fn intern(&mut self, id: &str) -> ParticipantIndex {
        if let Some(&index) = self.participants.get(id) {
            return index;
        }
        let index = self.participant_ids.len() as ParticipantIndex;
        self.participant_ids.push(id.to_owned());
        self.participants.insert(id.to_owned(), index);
        index
    }

    /// Questions in ranking order: most votes first, older first on ties.
    pub fn ranked(&self) -> Vec<&QuestionState> {
        let mut all: Vec<&QuestionState> = self.questions.values().collect();
        all.sort_by(|a, b| rank(a, b));
        all
    }
}

/// The requester key of anyone but a participant (who is interned).
fn requester(by: &Principal) -> RequesterKey {
    match by {
        Principal::Staff { id } => RequesterKey::Staff(*id),
        Principal::Link { role } => RequesterKey::Link(*role),
        Principal::Admin {} => RequesterKey::Admin,
        Principal::Participant { .. } | Principal::Delegate { .. } | Principal::Sealed { .. } => {
            unreachable!("callers intern attendees")
        }
    }
}

/// The queue's order: votes descending, then creation time, then id.
pub fn rank(a: &QuestionState, b: &QuestionState) -> Ordering {
    b.votes()
        .cmp(&a.votes())
        .then(a.created_at.cmp(&b.created_at))
        .then(a.id.cmp(&b.id))
}
