//! The registry of rooms: join code -> room handle. A concurrent map, so
//! connections find their room without a global lock; guards are never held
//! across an await (handles are cloned out).

use crate::auth;
use crate::log::{EventId, EventRecord, Log, LogError};
use crate::queue::{Entry, Event, Principal, Quotas};
use crate::room::{self, RoomHandle, now_ms};
use dashmap::DashMap;
use hoidap_protocol::Settings;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

pub struct Rooms {
    by_code: DashMap<String, RoomHandle>,
    /// Room tasks, so shutdown can wait for their last commits.
    tasks: tokio_util::task::TaskTracker,
    log: Arc<dyn Log>,
    next_id: AtomicU64,
    /// Every room's quotas (from `Limits::quotas`).
    quotas: Quotas,
}

impl Rooms {
    /// Starts a room for every event in the log, replaying each one.
    pub async fn load(log: Arc<dyn Log>, quotas: Quotas) -> Result<Rooms, LogError> {
        let rooms = Rooms {
            tasks: tokio_util::task::TaskTracker::new(),
            by_code: DashMap::new(),
            log,
            next_id: AtomicU64::new(1),
            quotas,
        };
        for record in rooms.log.events().await? {
            rooms.next_id.fetch_max(record.id + 1, Ordering::Relaxed);
            let room = room::start(record, rooms.log.clone(), &rooms.tasks, quotas);
            rooms.insert(room.await?);
        }
        Ok(rooms)
    }

    fn insert(&self, handle: RoomHandle) {
        self.by_code.insert(handle.record.join_code.clone(), handle);
    }

    pub fn get(&self, join_code: &str) -> Option<RoomHandle> {
        self.by_code
            .get(&auth::normalize_code(join_code))
            .map(|r| r.clone())
    }

    /// Every event, oldest first.
    pub fn list(&self) -> Vec<Arc<EventRecord>> {
        let mut all: Vec<_> = self.by_code.iter().map(|r| r.record.clone()).collect();
        all.sort_by_key(|r| r.id);
        all
    }

    /// Drops every room handle and waits for the room tasks to finish: each
    /// drains its inbox and completes its last commit first.
    pub async fn close(&self) {
        self.by_code.clear();
        self.tasks.close();
        self.tasks.wait().await;
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    /// Creates an event with fresh codes and secrets, durably, and starts its
    /// room.
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
                created_at: now_ms(),
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
            match self.log.create_event(record.clone(), first).await {
                Ok(()) => {
                    let room = room::start(record, self.log.clone(), &self.tasks, self.quotas);
                    let handle = room.await?;
                    let record = handle.record.clone();
                    self.insert(handle);
                    return Ok(record);
                }
                Err(LogError::DuplicateCode) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(LogError::DuplicateCode)
    }
}
