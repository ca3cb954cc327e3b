//! Getting an audience's frames into its connections' outboxes, in the
//! order the room produced them.
//!
//! Screens and moderators are few: the room pushes to them itself
//! (`Delivery::Inline`). Attendees may be thousands, and one frame to 10k
//! sockets takes tens of milliseconds: a worker task on the main runtime
//! does it (`Delivery::Worker`), so the room (on the priority thread) keeps
//! committing and feeding the screen meanwhile. Everything the room sends
//! to one attendee (its snapshot, its acks, notices about its questions)
//! goes through the same worker queue as the broadcasts, so an attendee
//! never sees the ack of a request before the change it made, nor a delta
//! older than its snapshot.

use crate::outbox::{Class, Outbox, Wire};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Broadcast writes between yields: other tasks on the main runtime (the
/// connections reading votes) get a turn every this many sockets.
const CHUNK: usize = 256;

pub enum Job {
    /// To every connection of the audience.
    Broadcast(Wire),
    /// The answer to one of a connection's requests.
    Answer {
        to: Arc<Outbox>,
        wire: Wire,
    },
    /// A notice to one connection about its own questions (`mine`).
    Mine {
        to: Arc<Outbox>,
        wire: Wire,
    },
    /// Brings a connection up to date (snapshot or missed deltas) and,
    /// if not yet, adds it to the audience.
    Join {
        to: Arc<Outbox>,
        frames: Vec<(Class, Wire)>,
    },
    Leave(Arc<Outbox>),
    /// Ends every connection with this close code (the room rebuilt its
    /// state from the log) and forgets them.
    Kick(u16),
}

pub enum Delivery {
    Inline(Audience),
    Worker {
        jobs: mpsc::UnboundedSender<Job>,
        /// Broadcasts handed to the worker and not yet written everywhere.
        unsent: Arc<AtomicUsize>,
        /// How long the last broadcast took to write everywhere, ns.
        cost: Arc<AtomicU64>,
    },
}

/// The connections of one audience.
pub struct Audience {
    label: &'static str,
    members: Vec<Arc<Outbox>>,
    /// How long the last broadcast took (inline delivery).
    cost: Duration,
}

impl Delivery {
    pub fn inline(label: &'static str) -> Delivery {
        Delivery::Inline(Audience::new(label))
    }

    /// Starts the worker task on `runtime` (the main one).
    pub fn worker(label: &'static str, runtime: &tokio::runtime::Handle) -> Delivery {
        let (jobs, rx) = mpsc::unbounded_channel();
        let unsent = Arc::new(AtomicUsize::new(0));
        let cost = Arc::new(AtomicU64::new(0));
        runtime.spawn(work(Audience::new(label), rx, unsent.clone(), cost.clone()));
        Delivery::Worker { jobs, unsent, cost }
    }

    pub fn send(&mut self, job: Job) {
        match self {
            Delivery::Inline(audience) => audience.handle(job),
            Delivery::Worker { jobs, unsent, .. } => {
                if matches!(job, Job::Broadcast(_)) {
                    unsent.fetch_add(1, Ordering::AcqRel);
                }
                // The worker ends only when this sender is dropped.
                let _ = jobs.send(job);
            }
        }
    }

    /// Whether every broadcast handed over has been written: the room
    /// holds coalesced vote counts back until then, so a fan-out that takes
    /// longer than a tick (10k sockets on a slow core) stretches the tick
    /// instead of piling up frames that are stale when they go out.
    pub fn caught_up(&self) -> bool {
        match self {
            Delivery::Inline(_) => true,
            Delivery::Worker { unsent, .. } => unsent.load(Ordering::Acquire) == 0,
        }
    }
}

impl Delivery {
    /// How long the last broadcast took to reach every connection's
    /// outbox: what the feed's pace is set from (`pace`).
    pub fn cost(&self) -> Duration {
        match self {
            Delivery::Inline(audience) => audience.cost,
            Delivery::Worker { cost, .. } => Duration::from_nanos(cost.load(Ordering::Acquire)),
        }
    }
}

impl Audience {
    fn new(label: &'static str) -> Audience {
        Audience {
            label,
            members: Vec::new(),
            cost: Duration::ZERO,
        }
    }

    fn handle(&mut self, job: Job) {
        match job {
            Job::Broadcast(wire) => {
                let started = Instant::now();
                self.broadcast_from(0, &wire, usize::MAX);
                self.cost = started.elapsed();
                crate::metrics::fanout(false, self.cost);
                crate::metrics::broadcast(self.label, self.members.len(), wire.len());
            }
            Job::Answer { to, wire } => to.answer(&wire),
            Job::Mine { to, wire } => {
                to.push(&wire, Class::Mine);
            }
            Job::Join { to, frames } => {
                to.reset(&frames);
                if !self.members.iter().any(|m| Arc::ptr_eq(m, &to)) {
                    self.members.push(to);
                }
            }
            Job::Leave(gone) => self.members.retain(|m| !Arc::ptr_eq(m, &gone)),
            Job::Kick(code) => {
                for member in self.members.drain(..) {
                    member.kick(code);
                }
            }
        }
    }

    /// Writes `wire` to at most `limit` members from `at`, forgetting the
    /// ones whose connection ended; returns where to continue.
    fn broadcast_from(&mut self, mut at: usize, wire: &Wire, limit: usize) -> usize {
        let end = at.saturating_add(limit);
        while at < self.members.len() && at < end {
            if self.members[at].push(wire, Class::Feed) {
                at += 1;
            } else {
                // Order among members does not matter; the list stays dense.
                self.members.swap_remove(at);
            }
        }
        at
    }
}

async fn work(
    mut audience: Audience,
    mut jobs: mpsc::UnboundedReceiver<Job>,
    unsent: Arc<AtomicUsize>,
    cost: Arc<AtomicU64>,
) {
    while let Some(job) = jobs.recv().await {
        let Job::Broadcast(wire) = job else {
            audience.handle(job);
            continue;
        };
        // Wall time, yields to other tasks included: under contention the
        // pace slows down, which is what a budget should do.
        let started = Instant::now();
        let mut at = 0;
        while at < audience.members.len() {
            at = audience.broadcast_from(at, &wire, CHUNK);
            if at < audience.members.len() {
                tokio::task::yield_now().await;
            }
        }
        crate::metrics::broadcast(audience.label, audience.members.len(), wire.len());
        crate::metrics::fanout(true, started.elapsed());
        let took = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        cost.store(took, Ordering::Release);
        unsent.fetch_sub(1, Ordering::AcqRel);
    }
}
