//! Telling an attendee about their own questions.
//!
//! The public feed never mentions a pending question, so when a moderator
//! approves, hides or edits one, its asker would otherwise keep showing
//! "waiting for approval" until they reconnect. The room keeps each
//! connected attendee's reply channel and sends them a fresh `mine` after
//! the commit that changed one of their questions.

use super::{Frame, Reply};
use std::collections::HashMap;
use tokio::sync::mpsc;

/// Replies and notices share a connection's reply channel, which has this
/// many slots beyond the connection's in-flight limit. A notice is sent only
/// while more than `MAX_IN_FLIGHT` slots are free, so it can never take the
/// place of an acknowledgement.
pub const NOTICE_SLOTS: usize = 8;

#[derive(Default)]
pub struct Askers {
    channels: HashMap<String, Vec<mpsc::Sender<Reply>>>,
    /// Participants whose questions changed in the batch being committed.
    changed: Vec<String>,
}

impl Askers {
    pub fn register(&mut self, participant: &str, channel: mpsc::Sender<Reply>) {
        let list = self.channels.entry(participant.to_owned()).or_default();
        if !list.iter().any(|c| c.same_channel(&channel)) {
            list.push(channel);
        }
    }

    /// Forgets channels whose connection has ended.
    pub fn prune(&mut self, participant: &str) {
        if let Some(list) = self.channels.get_mut(participant) {
            list.retain(|c| !c.is_closed());
            if list.is_empty() {
                self.channels.remove(participant);
            }
        }
    }

    /// Notes that `participant`'s question changed (if they are connected).
    pub fn changed(&mut self, participant: &str) {
        if self.channels.contains_key(participant) && !self.changed.iter().any(|p| p == participant)
        {
            self.changed.push(participant.to_owned());
        }
    }

    /// After the commit: sends each noted participant `mine(participant)`.
    pub fn notify(&mut self, max_in_flight: usize, mine: impl Fn(&str) -> Frame) {
        for participant in std::mem::take(&mut self.changed) {
            let Some(list) = self.channels.get(&participant) else {
                continue;
            };
            let notice = mine(&participant);
            for channel in list {
                if channel.capacity() > max_in_flight {
                    let _ = channel.try_send(Reply::Notice(notice.clone()));
                }
            }
        }
    }

    /// The commit failed: nothing changed after all.
    pub fn forget_changes(&mut self) {
        self.changed.clear();
    }
}
