//! Telling an attendee about their own questions.
//!
//! The public feed never mentions a pending question, so when a moderator
//! approves, hides or edits one, its asker would otherwise keep showing
//! "waiting for approval" until they reconnect. The room keeps each
//! connected attendee's outbox and sends them a fresh `mine` after the
//! commit that changed one of their questions.

use crate::outbox::{Outbox, Wire};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Default)]
pub struct Askers {
    outboxes: HashMap<String, Vec<Arc<Outbox>>>,
    /// Participants whose questions changed in the batch being committed.
    changed: Vec<String>,
}

impl Askers {
    pub fn register(&mut self, participant: &str, outbox: &Arc<Outbox>) {
        let list = self.outboxes.entry(participant.to_owned()).or_default();
        if !list.iter().any(|o| Arc::ptr_eq(o, outbox)) {
            list.push(outbox.clone());
        }
    }

    /// Forgets outboxes whose connection has ended.
    pub fn prune(&mut self, participant: &str) {
        if let Some(list) = self.outboxes.get_mut(participant) {
            list.retain(|o| !o.is_closed());
            if list.is_empty() {
                self.outboxes.remove(participant);
            }
        }
    }

    /// Distinct participants connected.
    pub fn participants(&self) -> usize {
        self.outboxes.len()
    }

    /// Notes that `participant`'s question changed (if they are connected).
    pub fn changed(&mut self, participant: &str) {
        if self.outboxes.contains_key(participant) && !self.changed.iter().any(|p| p == participant)
        {
            self.changed.push(participant.to_owned());
        }
    }

    /// After the commit: `send`s each noted participant's connections
    /// `mine(participant)`.
    pub fn notify(&mut self, mine: impl Fn(&str) -> Wire, mut send: impl FnMut(Arc<Outbox>, Wire)) {
        for participant in std::mem::take(&mut self.changed) {
            let Some(list) = self.outboxes.get(&participant) else {
                continue;
            };
            let notice = mine(&participant);
            for outbox in list {
                send(outbox.clone(), notice.clone());
            }
        }
    }

    /// The commit failed: nothing changed after all.
    pub fn forget_changes(&mut self) {
        self.changed.clear();
    }
}
