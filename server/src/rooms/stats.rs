//! The figures `GET /api/events` shows for each event, loaded or not.
//!
//! A loaded room publishes its own (`room::Live`, refreshed on its tick).
//! An unloaded event's come from the summary its room saved when it last
//! stopped (`log::summary`), plus the time of its last entry read from the
//! entries' keys: one query for all events, no entry body read, no replay.
//! An event not loaded since before summaries existed has no counts yet
//! (`null`) until its room first loads and stops.

use super::slot::Slot;
use crate::log::{EventRecord, Log, LogError, Summary};
use hoidap_protocol::Phase;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub loaded: bool,
    pub phase: Option<Phase>,
    pub questions: Option<u32>,
    pub pending: Option<u32>,
    pub connections: u32,
    /// Milliseconds since the Unix epoch: the last change or connection.
    pub last_activity: u64,
}

pub(super) async fn collect(
    mut slots: Vec<Arc<Slot>>,
    log: &dyn Log,
) -> Result<Vec<(Arc<EventRecord>, Stats)>, LogError> {
    slots.sort_by_key(|s| s.id);
    let saved: HashMap<_, _> = log
        .summaries()
        .await?
        .into_iter()
        .map(|(id, summary, last)| (id, (summary, last)))
        .collect();
    let out = slots
        .into_iter()
        .map(|slot| {
            let (summary, last_entry) = saved.get(&slot.id).copied().unwrap_or_default();
            let live = *slot.live.lock().unwrap_or_else(PoisonError::into_inner);
            let stats = stats(&slot, live, summary, last_entry);
            (slot.record(), stats)
        })
        .collect();
    Ok(out)
}

fn stats(
    slot: &Slot,
    live: Option<crate::room::Live>,
    saved: Option<Summary>,
    last_entry: Option<u64>,
) -> Stats {
    let loaded = slot.is_loaded();
    // A loaded room's own figures are current; after it unloads they are
    // what it saved, and fresher than the table while that write is queued.
    let summary = live.map(|l| l.summary).or(saved);
    let connections = live.filter(|_| loaded).map_or(0, |l| l.connections);
    let last_activity = [
        summary.map(|s| s.last_activity),
        last_entry,
        Some(slot.record().created_at),
    ]
    .into_iter()
    .flatten()
    .max()
    .unwrap_or(0);
    Stats {
        loaded,
        phase: summary.map(|s| s.phase),
        questions: summary.map(|s| s.questions),
        pending: summary.map(|s| s.pending),
        connections,
        last_activity,
    }
}
