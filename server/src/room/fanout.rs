//! Turning committed entries into frames: one serialisation per audience per
//! flush, shared by every connection of that audience.
//!
//! Discrete changes (a question asked, approved, made current) are flushed
//! right after the commit that made them durable. Vote counts are coalesced
//! into a map: the first after a quiet period goes out with its commit, the
//! ones that follow at the feed's pace (`pace`: the cost of its last
//! fan-out over a CPU budget), so the cost grows with flushes × clients,
//! not votes × clients, and a small hall waits for no tick.

use super::deliver::{Delivery, Job};
use super::pace::Pace;
use crate::outbox::Wire;
use crate::queue::view::Audience;
use hoidap_protocol::{Change, QuestionId, Role, Seq, ServerMsg, VoteCount};
use std::collections::{BTreeMap, VecDeque};
use tokio::time::Instant;

/// A serialised server message; cloning shares the bytes.
pub type Frame = tokio_tungstenite::tungstenite::Utf8Bytes;

/// How many recent deltas each audience keeps for resuming clients.
const RING: usize = 512;
/// How soon to look again while the attendees' previous fan-out is still
/// being written.
const POLL: std::time::Duration = std::time::Duration::from_millis(2);

pub fn frame(msg: &ServerMsg) -> Frame {
    // Serialising our own types cannot fail: no maps with non-string keys.
    Frame::from(serde_json::to_string(msg).expect("server messages serialise"))
}

/// One audience's outgoing stream.
pub struct Feed {
    delivery: Delivery,
    /// Changes durable but not yet sent.
    changes: Vec<Change>,
    votes: BTreeMap<QuestionId, VoteCount>,
    /// The `seq` of the last delta sent: the next delta's `prev`.
    last_sent: Seq,
    /// Recent deltas `(prev, seq, frame)` for resume.
    ring: VecDeque<(Seq, Seq, Frame)>,
    /// When coalesced votes may go next.
    pace: Pace,
    /// When the oldest count in `votes` was committed (`vote_wait`).
    votes_since: Option<Instant>,
}

/// What a resuming client needs.
pub enum Catchup {
    /// These deltas, in order (possibly none), then the live feed.
    Deltas(Vec<Frame>),
    /// The gap is not covered: send a fresh snapshot.
    Snapshot,
}

impl Feed {
    pub fn new(seq: Seq, delivery: Delivery, budget: f64) -> Self {
        Feed {
            delivery,
            changes: Vec::new(),
            votes: BTreeMap::new(),
            last_sent: seq,
            ring: VecDeque::new(),
            pace: Pace::new(budget),
            votes_since: None,
        }
    }

    /// When this feed's coalesced votes may go: `None` when it holds none.
    /// While a fan-out is still being written, soon again (`POLL`).
    pub fn votes_due(&self, now: Instant) -> Option<Instant> {
        if self.votes.is_empty() {
            return None;
        }
        if !self.caught_up() {
            return Some(now + POLL);
        }
        Some(self.pace.due().map_or(now, |due| due.max(now)))
    }

    /// Sends the coalesced votes if their time has come.
    pub fn flush_votes(&mut self, epoch: &str, seq: Seq, now: Instant) {
        if !self.votes.is_empty() && self.pace.ready(now) && self.caught_up() {
            self.flush(epoch, seq);
        }
    }

    pub fn push(&mut self, changes: Vec<Change>, votes: Option<VoteCount>) {
        if let Some(count) = votes {
            self.votes.insert(count.id, count);
            self.votes_since.get_or_insert_with(Instant::now);
        }
        // A question upsert carries its count as of its entry; a vote that
        // came before it in this flush would overwrite a newer value if the
        // map were applied first, so the map is always applied last and
        // holds the latest count.
        self.changes.extend(changes);
    }

    pub fn has_discrete(&self) -> bool {
        !self.changes.is_empty()
    }

    /// Sends one delta covering `last_sent+1 ..= seq`, if anything changed.
    pub fn flush(&mut self, epoch: &str, seq: Seq) {
        if self.changes.is_empty() && self.votes.is_empty() {
            return;
        }
        let mut changes = std::mem::take(&mut self.changes);
        if let Some(since) = self.votes_since.take() {
            crate::metrics::vote_wait(since.elapsed());
        }
        if !self.votes.is_empty() {
            let counts = std::mem::take(&mut self.votes).into_values().collect();
            changes.push(Change::Votes { counts });
        }
        let prev = self.last_sent;
        let frame = frame(&ServerMsg::Delta {
            epoch: epoch.to_owned(),
            prev,
            seq,
            changes,
        });
        self.last_sent = seq;
        if self.ring.len() == RING {
            self.ring.pop_front();
        }
        self.ring.push_back((prev, seq, frame.clone()));
        self.send(frame);
        self.pace.flushed(Instant::now(), self.delivery.cost());
    }

    /// Shares one frame with every connection of this feed.
    pub fn send(&mut self, frame: Frame) {
        self.delivery.send(Job::Broadcast(Wire::text(frame)));
    }

    /// See [`Delivery::caught_up`].
    pub fn caught_up(&self) -> bool {
        self.delivery.caught_up()
    }

    /// Hands a job to this feed's delivery, in order with its broadcasts.
    pub fn deliver(&mut self, job: Job) {
        self.delivery.send(job);
    }

    /// What a client that applied everything up to `from` must receive.
    /// `current` is the room's durable position.
    ///
    /// Deltas hold absolute values (whole questions, counts, the current
    /// question), so a delta overlapping what the client has is harmless;
    /// a gap never is.
    pub fn catchup(&self, from: Seq, current: Seq) -> Catchup {
        if from > current {
            // A position from the future: the log was replaced; never rewind
            // silently.
            return Catchup::Snapshot;
        }
        if from >= self.last_sent {
            return Catchup::Deltas(Vec::new());
        }
        match self.ring.iter().position(|(_, seq, _)| *seq > from) {
            Some(first) if self.ring[first].0 <= from => Catchup::Deltas(
                self.ring
                    .iter()
                    .skip(first)
                    .map(|(_, _, f)| f.clone())
                    .collect(),
            ),
            _ => Catchup::Snapshot,
        }
    }
}

/// The three feeds of a room. Screens see the public view like attendees,
/// but have a feed of their own (own positions, own resume ring) so their
/// vote counts can be flushed more often: a room has a handful of screens
/// and moderators and possibly thousands of attendees, and the fan-out cost
/// is flushes × connections.
pub struct Feeds {
    pub public: Feed,
    pub screen: Feed,
    pub moderator: Feed,
}

impl Feeds {
    /// `main`: where the attendees' fan-out worker runs (see `deliver`).
    /// `budget`: the fraction of a core each feed's fan-out may use.
    pub fn new(seq: Seq, main: &tokio::runtime::Handle, budget: f64) -> Self {
        Feeds {
            public: Feed::new(seq, Delivery::worker("public", main), budget),
            screen: Feed::new(seq, Delivery::inline("screen"), budget),
            moderator: Feed::new(seq, Delivery::inline("moderator"), budget),
        }
    }

    /// The earliest any feed's coalesced votes may go.
    pub fn votes_due(&self, now: Instant) -> Option<Instant> {
        [&self.screen, &self.moderator, &self.public]
            .into_iter()
            .filter_map(|f| f.votes_due(now))
            .min()
    }

    /// Sends the coalesced votes of each feed whose time has come; the
    /// screen and moderators first (see `flush_fast`).
    pub fn flush_votes(&mut self, epoch: &str, seq: Seq, now: Instant) {
        for feed in [&mut self.screen, &mut self.moderator, &mut self.public] {
            feed.flush_votes(epoch, seq, now);
        }
    }

    /// The feed a connection of this role follows.
    pub fn of(&self, role: Role) -> &Feed {
        match role {
            Role::Attendee => &self.public,
            Role::Screen => &self.screen,
            Role::Moderator => &self.moderator,
        }
    }

    pub fn of_mut(&mut self, role: Role) -> &mut Feed {
        match role {
            Role::Attendee => &mut self.public,
            Role::Screen => &mut self.screen,
            Role::Moderator => &mut self.moderator,
        }
    }

    /// Ends every connection with `code` (see `Job::Kick`).
    pub fn kick(&mut self, code: u16) {
        for feed in [&mut self.public, &mut self.screen, &mut self.moderator] {
            feed.deliver(Job::Kick(code));
        }
    }

    /// Buffers what `audience` learns from one committed entry.
    pub fn push(&mut self, audience: Audience, changes: Vec<Change>, votes: Option<VoteCount>) {
        match audience {
            Audience::Public => {
                self.screen.push(changes.clone(), votes);
                self.public.push(changes, votes);
            }
            Audience::Moderator => self.moderator.push(changes, votes),
        }
    }

    pub fn has_discrete(&self) -> bool {
        self.public.has_discrete() || self.screen.has_discrete() || self.moderator.has_discrete()
    }

    pub fn flush(&mut self, epoch: &str, seq: Seq) {
        self.flush_fast(epoch, seq);
        self.public.flush(epoch, seq);
    }

    /// The screen and moderator feeds. Flushed before the public feed when
    /// both go out, so their few connections get the frame ahead of the
    /// attendees' fan-out rather than behind it.
    pub fn flush_fast(&mut self, epoch: &str, seq: Seq) {
        self.screen.flush(epoch, seq);
        self.moderator.flush(epoch, seq);
    }
}
