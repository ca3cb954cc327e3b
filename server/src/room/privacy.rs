//! Detaching identities in the room (`queue::privacy`): on the organiser's
//! request, and by itself once the event's retention period is over.
//!
//! A detach reads the stored entries it rewrites, so it runs alone, before
//! the batch it arrived in: every entry it names is then durable, and a
//! second detach reads what the first one left (two rewrites of one entry
//! in one transaction would each start from the old bytes).

use super::answer::{Outcome, Pending, Reply};
use super::{AdminRefusal, AdminReply, Room};
use crate::export::Header;
use crate::queue::person::{self, Person};
use crate::queue::privacy::{self, DetachReason, Scope};
use crate::queue::{Entry, Op, PERSON_FORMAT, Principal};
use hoidap_protocol::Seq;
use tokio::sync::oneshot;

/// When the retention period ends, as of a position: recomputed only when
/// the state moves (a tick compares two numbers).
#[derive(Default)]
pub(super) struct Retention {
    /// The position `at` was computed at.
    seq: Option<Seq>,
    at: Option<u64>,
}

impl Room {
    /// Decides, commits and answers one detach.
    pub(super) async fn detach(
        &mut self,
        scope: Scope,
        reason: DetachReason,
        reply: oneshot::Sender<AdminReply>,
    ) {
        if self.broken {
            let _ = reply.send(Err(AdminRefusal::Unavailable));
            return;
        }
        let seqs = match privacy::targets(&self.state, scope) {
            Ok(t) => t.seqs,
            Err(r) => {
                let _ = reply.send(Err(AdminRefusal::Rejected(r)));
                return;
            }
        };
        let stored = match self.log.stored(self.record.id, seqs).await {
            Ok(stored) => stored,
            Err(err) => {
                tracing::warn!(event = self.record.id, %err, "reading entries to detach");
                let _ = reply.send(Err(AdminRefusal::Unavailable));
                return;
            }
        };
        let (mut changed, mut pending) = (Vec::new(), Vec::new());
        let op = Op::Detach {
            scope,
            reason,
            stored,
        };
        let by = Principal::Admin {};
        self.decide_one(by, op, Reply::Admin(reply), &mut changed, &mut pending);
        if changed.is_empty() {
            for p in pending {
                self.reply(p.to, p.outcome, self.state.seq);
            }
            return;
        }
        self.commit(changed, &mut pending).await;
        let seq = self.state.seq;
        self.feeds.flush(&self.record.epoch, seq);
        for p in pending {
            self.reply(p.to, p.outcome, seq);
        }
    }

    /// Detaches every identity once the retention period is over: on the
    /// first tick past its end (also right after the room loads).
    pub(super) async fn retention_tick(&mut self) {
        if self.retention.seq != Some(self.state.seq) {
            self.retention.seq = Some(self.state.seq);
            self.retention.at = privacy::detach_at(&self.state);
        }
        let due = self.retention.at.is_some_and(|at| self.clock.now() >= at);
        if self.broken || !due {
            return;
        }
        if !privacy::holds_names(&self.state) {
            // Nothing left to detach: not again before the state moves.
            self.retention.at = None;
            return;
        }
        tracing::info!(
            event = self.record.id,
            "retention period over: detaching identities"
        );
        // Nobody waits for the answer: the entry is the record.
        let (reply, _) = oneshot::channel();
        self.detach(Scope::All, DetachReason::Retention, reply)
            .await;
        if self.retention.seq == Some(self.state.seq) {
            // Nothing was written (the log failed): again in a minute.
            self.retention.at = self
                .retention
                .at
                .map(|at| at.max(self.clock.now() + 60_000));
        }
    }
}

/// One person's data with the header of the export it was read at, or
/// why not.
pub type PersonReply = Result<(Person, Header), AdminRefusal>;

impl Room {
    pub(super) fn person_reply(&self, outcome: Outcome, data: Option<Person>) -> PersonReply {
        match (outcome, data) {
            (Outcome::Accepted(Some(entry)), Some(data)) => Ok((data, self.export_header(&entry))),
            (Outcome::Refused(r), _) => Err(AdminRefusal::Rejected(r)),
            // `decide` logs every export it accepts.
            _ => Err(AdminRefusal::Unavailable),
        }
    }

    /// One person's data, logged as an export (`person`) by the organiser.
    pub(super) fn person(
        &mut self,
        scope: Scope,
        reply: oneshot::Sender<PersonReply>,
        changed: &mut Vec<Entry>,
        pending: &mut Vec<Pending>,
    ) {
        if self.broken {
            let _ = reply.send(Err(AdminRefusal::Unavailable));
            return;
        }
        // Refused before anything is logged: an export of nobody.
        if let Err(r) = person::person(&self.state, scope) {
            let _ = reply.send(Err(AdminRefusal::Rejected(r)));
            return;
        }
        let op = Op::Export {
            format: PERSON_FORMAT.to_owned(),
        };
        let to = Reply::Person {
            reply,
            scope,
            data: None,
        };
        self.decide_one(Principal::Admin {}, op, to, changed, pending);
    }
}
