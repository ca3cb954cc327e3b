//! When a room may stop: no connection holds its handle, its inbox is
//! empty, and nothing happened for the idle period. The registry decides
//! (`rooms::slot`): stopping is safe only if, at that instant, nobody can
//! send to the room any more, which only the registry can make true.

use crate::log::Summary;
use crate::queue::State;
use hoidap_protocol::QuestionStatus;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::time::Instant;

/// Asks the registry to drop the room's last sender; `true`: done, the
/// room's inbox closes once drained.
pub type Release = Box<dyn FnMut() -> bool + Send>;

/// Given to `start` by the registry.
pub struct Idle {
    pub after: Duration,
    pub release: Release,
    /// The figures `GET /api/events` shows while the room is loaded.
    pub live: Arc<Mutex<Option<Live>>>,
}

#[derive(Debug, Clone, Copy)]
pub struct Live {
    pub summary: Summary,
    pub connections: u32,
}

pub(super) struct Watch {
    idle: Idle,
    since: Instant,
    /// The same moment in wall-clock milliseconds, for the summary.
    last_ms: u64,
    dirty: bool,
    /// The registry let the room go: it ends once its inbox is drained.
    released: bool,
}

impl Watch {
    pub(super) fn new(idle: Idle, state: &State) -> Watch {
        let mut watch = Watch {
            idle,
            since: Instant::now(),
            last_ms: crate::room::now_ms(),
            dirty: true,
            released: false,
        };
        // Right away: the list shows a loaded room's figures from the start.
        watch.refresh(state, [0; 3]);
        watch
    }

    fn refresh(&mut self, state: &State, presence: [u32; 3]) {
        self.dirty = false;
        let live = Live {
            summary: summary(state, self.last_ms),
            connections: presence.iter().sum(),
        };
        *self
            .idle
            .live
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(live);
    }

    /// Something happened (a batch): the idle period starts again.
    pub(super) fn touched(&mut self) {
        self.since = Instant::now();
        self.last_ms = crate::room::now_ms();
        self.dirty = true;
    }

    /// On every tick: refreshes the live figures if something happened,
    /// and offers to stop if idle long enough.
    pub(super) fn check(&mut self, state: &State, presence: [u32; 3], inbox_empty: bool) {
        if self.dirty {
            self.refresh(state, presence);
        }
        // Presence can lag a dropped connection by one batch: the registry's
        // sender count is what decides, these only save it the call.
        let quiet = presence == [0; 3] && inbox_empty;
        if quiet && !self.released && self.since.elapsed() >= self.idle.after {
            self.released = (self.idle.release)();
        }
    }

    /// What the registry keeps once the room is gone.
    pub(super) fn summary(&self, state: &State) -> Summary {
        summary(state, self.last_ms)
    }
}

pub fn summary(state: &State, last_activity: u64) -> Summary {
    let pending = state
        .questions
        .values()
        .filter(|q| q.status == QuestionStatus::Pending)
        .count();
    Summary {
        phase: state.phase,
        questions: state.questions.len() as u32,
        pending: pending as u32,
        last_activity,
        detach_at: crate::queue::privacy::detach_at(state)
            .filter(|_| crate::queue::privacy::holds_names(state)),
    }
}
