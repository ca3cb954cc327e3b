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
    by_participant: HashMap<String, Asker>,
    /// Participants whose questions changed in the batch being committed.
    changed: Vec<String>,
    /// The pseudonym of each connected participant (what they ask under
    /// when anonymous to everyone, `Principal::Sealed`), to them.
    sealed: HashMap<String, String>,
}

struct Asker {
    pseudonym: String,
    outboxes: Vec<Arc<Outbox>>,
}

impl Askers {
    pub fn register(&mut self, participant: &str, pseudonym: &str, outbox: &Arc<Outbox>) {
        let asker = self
            .by_participant
            .entry(participant.to_owned())
            .or_insert_with(|| Asker {
                pseudonym: pseudonym.to_owned(),
                outboxes: Vec::new(),
            });
        if !asker.outboxes.iter().any(|o| Arc::ptr_eq(o, outbox)) {
            asker.outboxes.push(outbox.clone());
        }
        self.sealed
            .insert(pseudonym.to_owned(), participant.to_owned());
    }

    /// Forgets outboxes whose connection has ended.
    pub fn prune(&mut self, participant: &str) {
        if let Some(asker) = self.by_participant.get_mut(participant) {
            asker.outboxes.retain(|o| !o.is_closed());
            if asker.outboxes.is_empty() {
                self.sealed.remove(&asker.pseudonym);
                self.by_participant.remove(participant);
            }
        }
    }

    /// Distinct participants connected.
    pub fn participants(&self) -> usize {
        self.by_participant.len()
    }

    /// Notes that the question of `asker` (a participant or their
    /// pseudonym) changed, if they are connected.
    pub fn changed(&mut self, asker: &str) {
        let participant = self.sealed.get(asker).map_or(asker, String::as_str);
        if self.by_participant.contains_key(participant)
            && !self.changed.iter().any(|p| p == participant)
        {
            self.changed.push(participant.to_owned());
        }
    }

    /// After the commit: `send`s each noted participant's connections
    /// `mine(participant)`.
    pub fn notify(&mut self, mine: impl Fn(&str) -> Wire, mut send: impl FnMut(Arc<Outbox>, Wire)) {
        for participant in std::mem::take(&mut self.changed) {
            let Some(asker) = self.by_participant.get(&participant) else {
                continue;
            };
            let notice = mine(&participant);
            for outbox in &asker.outboxes {
                send(outbox.clone(), notice.clone());
            }
        }
    }

    /// The commit failed: nothing changed after all.
    pub fn forget_changes(&mut self) {
        self.changed.clear();
    }
}
