//! Accepted changes: applied to the state at once (later commands of the
//! batch are decided against them), staged per audience, and released to
//! the feeds only once the batch's append is durable. A failed append
//! refuses the whole batch and rebuilds the state from the log (`failure`).

use super::Room;
use super::answer::Pending;
use crate::queue::view::{self, Audience};
use crate::queue::{Command, Entry, Event, evolve};

impl Room {
    /// Applies an accepted event to the state and buffers what each audience
    /// must learn of it (released by the next flush, after the commit).
    pub(super) fn apply(&mut self, command: Command, req: Option<String>, event: Event) -> Entry {
        let entry = Entry {
            seq: self.state.seq + 1,
            at: command.at,
            by: command.by,
            req,
            event,
        };
        evolve(&mut self.state, &entry);
        self.similar.applied(&self.state, &entry.event);
        for question in entry.event.questions() {
            let asker = self.state.questions.get(&question).and_then(|q| q.asker);
            if let Some(asker) = asker {
                self.askers.changed(self.state.participant_id(asker));
            }
        }
        self.sources.applied(&entry);
        for audience in Audience::ALL {
            let (mut changes, votes) = view::changes(&self.state, &entry, audience);
            if audience == Audience::Moderator {
                self.similar.fill_changes(&self.state, &mut changes);
            }
            let staged = self.sources.stage(audience, changes, votes);
            self.staged.push(staged);
        }
        entry
    }

    pub(super) async fn commit(&mut self, entries: Vec<Entry>, pending: &mut Vec<Pending>) {
        // Who may connect follows these: their connections are checked once
        // they are durable.
        let people: Vec<Entry> = entries
            .iter()
            .filter(|e| {
                e.event.is_staff()
                    || e.event.is_roster()
                    || matches!(e.event, Event::SettingsSet { .. })
            })
            .cloned()
            .collect();
        let (log, event) = (self.log.clone(), self.record.id);
        let append = async move { log.append(event, entries).await };
        tokio::pin!(append);
        let result = loop {
            // What is already durable goes on at its pace meanwhile.
            let votes_due = self.feeds.votes_due(tokio::time::Instant::now());
            tokio::select! {
                result = &mut append => break result,
                _ = super::sleep_until(votes_due), if votes_due.is_some() => self.on_tick(),
                _ = self.tick.tick() => self.on_tick(),
            }
        };
        if result.is_ok() {
            for (audience, changes, votes) in self.staged.drain(..) {
                self.feeds.push(audience, changes, votes);
            }
            self.committed = self.state.seq;
            self.staff_committed(&people);
            self.roster_committed(&people);
        }
        if let Err(err) = result {
            // The state holds entries the log does not: rebuild it from the
            // log and refuse the whole batch, so nothing unacknowledged is
            // ever shown and every request can be retried.
            tracing::error!(event = self.record.id, %err, "log append failed; reloading room");
            for p in std::mem::take(pending) {
                self.fail(p.to);
            }
            self.reload().await;
        }
    }
}
