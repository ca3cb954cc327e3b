//! The registry of rooms: join code -> event slot. A concurrent map, so
//! connections find their room without a global lock; guards are never held
//! across an await (slots and handles are cloned out).
//!
//! Start-up reads only the events table: a room is loaded (its log
//! replayed, its task started) by the first hello that needs it, and
//! unloaded again when idle (`slot`), so start-up time and memory follow
//! the events in use, not the history.

mod slot;
mod stats;

pub use stats::Stats;

use crate::auth;
use crate::log::{EventId, EventRecord, Log, LogError};
use crate::queue::{Entry, Event, Principal, Quotas};
use crate::room::RoomHandle;
use dashmap::DashMap;
use hoidap_protocol::Settings;
use slot::Slot;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

pub struct Rooms {
    by_code: DashMap<String, Arc<Slot>>,
    shared: Arc<Shared>,
    next_id: AtomicU64,
}

/// What loading a room needs, shared with the slots.
struct Shared {
    /// Room tasks, so shutdown can wait for their last commits.
    tasks: tokio_util::task::TaskTracker,
    log: Arc<dyn Log>,
    /// Every room's quotas (from `Limits::quotas`).
    quotas: Quotas,
    /// A room with no connection unloads after this long without activity.
    idle_after: Duration,
    /// Set by `close`: no room loads after it.
    closed: AtomicBool,
    generations: AtomicU64,
    /// What every event's card key is derived from (`Keys::card_master`).
    card_master: [u8; 32],
    /// Where entry times come from (`Limits::clock`).
    clock: crate::room::Clock,
    /// The fraction of a core a feed's fan-out may use (`Limits`).
    fanout_budget: f64,
}

impl Shared {
    /// The key event `id`'s delegate codes are derived from.
    fn card_key(&self, id: EventId) -> [u8; 32] {
        use hmac::{Hmac, Mac};
        let mut mac =
            Hmac::<sha2::Sha256>::new_from_slice(&self.card_master).expect("any key length");
        mac.update(&id.to_be_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl Rooms {
    /// Reads every event's record; no log is replayed (rooms load on use).
    pub async fn load(
        log: Arc<dyn Log>,
        limits: &crate::limits::Limits,
        card_master: [u8; 32],
    ) -> Result<Rooms, LogError> {
        let rooms = Rooms {
            by_code: DashMap::new(),
            shared: Arc::new(Shared {
                tasks: tokio_util::task::TaskTracker::new(),
                log,
                quotas: limits.quotas,
                idle_after: limits.room_idle,
                fanout_budget: limits.fanout_budget,
                closed: AtomicBool::new(false),
                generations: AtomicU64::new(1),
                card_master,
                clock: limits.clock,
            }),
            next_id: AtomicU64::new(1),
        };
        for record in rooms.shared.log.events().await? {
            rooms.next_id.fetch_max(record.id + 1, Ordering::Relaxed);
            rooms.insert(record);
        }
        Ok(rooms)
    }

    fn insert(&self, record: EventRecord) -> Arc<EventRecord> {
        let slot = Arc::new(Slot::new(record));
        let record = slot.record();
        self.by_code.insert(record.join_code.clone(), slot);
        record
    }

    fn slot(&self, join_code: &str) -> Option<Arc<Slot>> {
        let slot = self.by_code.get(&auth::normalize_code(join_code));
        slot.map(|s| s.clone())
    }

    /// The event's record, without loading its room.
    pub fn record(&self, join_code: &str) -> Option<Arc<EventRecord>> {
        self.slot(join_code).map(|s| s.record())
    }

    /// The event's room, loading it if it is not. `Ok(None)`: no such
    /// code, answered from the map alone (no log access), as cheaply as a
    /// known one is refused.
    pub async fn get(&self, join_code: &str) -> Result<Option<RoomHandle>, LogError> {
        let Some(slot) = self.slot(join_code) else {
            return Ok(None);
        };
        slot.handle(&self.shared).await.map(Some)
    }

    /// The event's registry title follows a `title_set` its room committed
    /// (the events table was renamed in the same transaction).
    pub fn retitle(&self, join_code: &str, title: &str) {
        if let Some(slot) = self.slot(join_code) {
            slot.retitle(title);
        }
    }

    /// Every event, oldest first.
    pub fn list(&self) -> Vec<Arc<EventRecord>> {
        let mut all: Vec<_> = self.by_code.iter().map(|s| s.record()).collect();
        all.sort_by_key(|r| r.id);
        all
    }

    /// Every event with its figures, oldest first (see `stats`).
    pub async fn list_stats(&self) -> Result<Vec<(Arc<EventRecord>, Stats)>, LogError> {
        let slots: Vec<_> = self.by_code.iter().map(|s| s.value().clone()).collect();
        stats::collect(slots, &*self.shared.log).await
    }

    /// Loads every room whose retention period is over while it still
    /// holds names (its saved summary says when): the room detaches them on
    /// its first tick, then unloads when idle. Loaded rooms check by
    /// themselves. Returns how many it loaded.
    pub async fn sweep_retention(&self, now: u64) -> Result<usize, LogError> {
        let due: Vec<EventId> = self
            .shared
            .log
            .summaries()
            .await?
            .into_iter()
            .filter_map(|(id, summary, _)| summary?.detach_at.filter(|&at| at <= now).map(|_| id))
            .collect();
        let mut loaded = 0;
        for record in self.list().into_iter().filter(|r| due.contains(&r.id)) {
            let slot = self.slot(&record.join_code);
            if let Some(slot) = slot.filter(|s| !s.is_loaded()) {
                slot.handle(&self.shared).await?;
                loaded += 1;
            }
        }
        Ok(loaded)
    }

    /// Rooms loaded now.
    pub fn loaded(&self) -> usize {
        self.by_code.iter().filter(|s| s.is_loaded()).count()
    }

    /// Drops every room handle and waits for the room tasks to finish: each
    /// drains its inbox and completes its last commit first. No room loads
    /// after this starts.
    pub async fn close(&self) {
        self.shared.closed.store(true, Ordering::Release);
        for slot in self.by_code.iter() {
            slot.unload();
        }
        self.shared.tasks.close();
        self.shared.tasks.wait().await;
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    /// The log, for reads outside the rooms (an export's chain head, the
    /// audit's entries): never for writes, which are the rooms' alone.
    pub fn log(&self) -> &Arc<dyn Log> {
        &self.shared.log
    }

    /// `Some` while the log cannot write (see `log::health`).
    pub fn unwritable(&self) -> Option<crate::log::Unwritable> {
        self.shared.log.unwritable()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// Creates an event with fresh codes and secrets, durably. Its room
    /// loads on first use, like any other.
    pub async fn create(
        &self,
        title: String,
        settings: Settings,
    ) -> Result<Arc<EventRecord>, LogError> {
        // A random 6-letter code from 31 letters collides rarely; retry then.
        for _ in 0..8 {
            let id: EventId = self.next_id.fetch_add(1, Ordering::Relaxed);
            let record = EventRecord {
                id,
                join_code: auth::join_code(),
                title: title.clone(),
                moderator_secret: auth::secret(),
                screen_secret: auth::secret(),
                epoch: auth::epoch(),
                created_at: self.shared.clock.now(),
            };
            let first = Entry {
                seq: 1,
                at: record.created_at,
                by: Principal::Admin {},
                req: None,
                event: Event::Created {
                    title: title.clone(),
                    settings: settings.clone(),
                },
            };
            match self.shared.log.create_event(record.clone(), first).await {
                Ok(()) => {
                    let created = record.created_at;
                    let record = self.insert(record);
                    // Known without a load: an event starts open and empty.
                    if let Some(slot) = self.slot(&record.join_code) {
                        slot.created(created);
                    }
                    return Ok(record);
                }
                Err(LogError::DuplicateCode) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(LogError::DuplicateCode)
    }
}
