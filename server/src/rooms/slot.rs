//! One event in the registry: its record always, its room only while used.
//!
//! Loading is single-flight: concurrent first hellos share one
//! `OnceCell` and one replay. Unloading is decided here, under the slot's
//! lock, never by the room alone: the room offers to stop when idle, and
//! the slot agrees only if the registry's handle is the last one alive
//! (`RoomHandle::holders`). Every connection holds a handle from its hello
//! to its `Leave`, so once the registry drops its own nobody can send to
//! the room again: it drains what is queued, finishes its last commit and
//! ends; the next hello finds the slot unloaded and loads a new room from
//! the log. A hello that cloned the handle a moment earlier makes the count
//! two and the room stays. So no hello ever gets a room that is stopping,
//! and `RoomGone` still means only shutdown.

use super::Shared;
use crate::log::{EventRecord, LogError};
use crate::room::{self, Idle, Live, RoomHandle};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::OnceCell;

pub(super) struct Slot {
    /// Replaced whole when the event is renamed (`retitle`).
    record: Mutex<Arc<EventRecord>>,
    /// Never changes: read without the lock.
    pub id: crate::log::EventId,
    state: Mutex<Loading>,
    /// The loaded room's figures, kept after it unloads (`None`: not
    /// loaded since start).
    pub live: Arc<Mutex<Option<Live>>>,
}

enum Loading {
    Unloaded,
    /// Every hello arriving meanwhile awaits the same cell.
    Started(Arc<OnceCell<()>>),
    Loaded {
        handle: RoomHandle,
        /// Which load: a room offering to stop must be the current one.
        generation: u64,
    },
}

/// Loads that found the room gone again before they could use it (a very
/// short idle period) retry; past this something is wrong.
const MAX_ATTEMPTS: usize = 8;

impl Slot {
    pub fn record(&self) -> Arc<EventRecord> {
        self.record
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The event's new title, for lists (the room has it from its log).
    pub fn retitle(&self, title: &str) {
        let mut record = self.record.lock().unwrap_or_else(PoisonError::into_inner);
        let mut renamed = (**record).clone();
        renamed.title = title.to_owned();
        *record = Arc::new(renamed);
    }

    pub fn new(record: EventRecord) -> Slot {
        Slot {
            id: record.id,
            record: Mutex::new(Arc::new(record)),
            state: Mutex::new(Loading::Unloaded),
            live: Arc::new(Mutex::new(None)),
        }
    }

    /// A new event's figures, before its room ever loads.
    pub fn created(&self, at: u64) {
        let summary = crate::log::Summary {
            phase: hoidap_protocol::Phase::Open,
            questions: 0,
            pending: 0,
            last_activity: at,
            detach_at: None,
        };
        let live = Live {
            summary,
            connections: 0,
        };
        *self.live.lock().unwrap_or_else(PoisonError::into_inner) = Some(live);
    }

    fn lock(&self) -> MutexGuard<'_, Loading> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn is_loaded(&self) -> bool {
        matches!(*self.lock(), Loading::Loaded { .. })
    }

    /// The room's handle, loading the room first if needed. No guard is
    /// held across an await: the cell is cloned out, then awaited.
    pub async fn handle(self: &Arc<Slot>, shared: &Arc<Shared>) -> Result<RoomHandle, LogError> {
        for _ in 0..MAX_ATTEMPTS {
            let cell = {
                let mut state = self.lock();
                match &*state {
                    Loading::Loaded { handle, .. } => return Ok(handle.clone()),
                    Loading::Started(cell) => cell.clone(),
                    Loading::Unloaded => {
                        let cell = Arc::new(OnceCell::new());
                        *state = Loading::Started(cell.clone());
                        cell
                    }
                }
            };
            cell.get_or_try_init(|| self.load(shared, &cell)).await?;
        }
        Err(LogError::Storage(format!(
            "event {}: its room stopped {MAX_ATTEMPTS} times while loading",
            self.id
        )))
    }

    /// Replays the log and starts the room; the handle goes into the slot.
    async fn load(
        self: &Arc<Slot>,
        shared: &Arc<Shared>,
        cell: &Arc<OnceCell<()>>,
    ) -> Result<(), LogError> {
        if shared.closed.load(Ordering::Acquire) {
            return Err(LogError::Closed);
        }
        let generation = shared.generations.fetch_add(1, Ordering::Relaxed);
        let slot = self.clone();
        let idle = Idle {
            after: shared.idle_after,
            release: Box::new(move || slot.release(generation)),
            live: self.live.clone(),
        };
        let record = (*self.record()).clone();
        let handle = room::start(
            record,
            shared.log.clone(),
            &shared.tasks,
            crate::room::Config {
                quotas: shared.quotas,
                clock: shared.clock,
                fanout_budget: shared.fanout_budget,
            },
            idle,
            shared.card_key(self.id),
        )
        .await?;
        let mut state = self.lock();
        // Checked under the lock `close` clears slots under: a room loaded
        // during shutdown is dropped here, so `close` never waits for it.
        if shared.closed.load(Ordering::Acquire) {
            return Err(LogError::Closed);
        }
        if matches!(&*state, Loading::Started(c) if Arc::ptr_eq(c, cell)) {
            *state = Loading::Loaded { handle, generation };
            crate::metrics::room_loaded();
        }
        Ok(())
    }

    /// The room of `generation` offers to stop: agreed only if nobody but
    /// the registry holds its handle.
    fn release(&self, generation: u64) -> bool {
        let mut state = self.lock();
        match &*state {
            Loading::Loaded {
                handle,
                generation: current,
            } if *current == generation && handle.holders() == 1 => {
                *state = Loading::Unloaded;
                crate::metrics::room_unloaded();
                true
            }
            _ => false,
        }
    }

    /// Drops the registry's handle (shutdown): the room ends once its
    /// connections are gone and its inbox is drained.
    pub fn unload(&self) {
        let mut state = self.lock();
        if matches!(*state, Loading::Loaded { .. }) {
            crate::metrics::room_unloaded();
        }
        *state = Loading::Unloaded;
    }
}
