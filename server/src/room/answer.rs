//! Answering requests: a command decided in a batch waits for the batch's
//! commit, then gets its ack or its refusal; one whose batch was not
//! stored gets `unavailable`. An attendee's answer goes through its feed's
//! worker, behind the changes already handed to it.

use super::deliver::Job;
use super::{AdminRefusal, AdminReply, Frame, Room, frame};
use crate::outbox::{Outbox, Wire};
use crate::queue::{Command, Entry, Event, Op, Principal, decide};
use hoidap_protocol::{ErrorCode, Role, Seq, ServerMsg};
use std::sync::Arc;
use tokio::sync::oneshot;

/// A decided command waiting for its commit.
pub(super) struct Pending {
    pub(super) to: Reply,
    pub(super) outcome: Outcome,
}

/// Who is waiting for a command's answer.
pub(super) enum Reply {
    /// A connection's request.
    Conn {
        role: Role,
        outbox: Arc<Outbox>,
        req: String,
    },
    Admin(oneshot::Sender<AdminReply>),
    /// An export: its rows are read once it is accepted (`decide_one`).
    Export {
        reply: oneshot::Sender<super::ExportReply>,
        rows: Option<Vec<crate::export::Row>>,
    },
    /// One person's data (`queue::person`), read at its entry.
    Person {
        reply: oneshot::Sender<super::PersonReply>,
        scope: crate::queue::privacy::Scope,
        data: Option<crate::queue::person::Person>,
    },
}

pub(super) enum Outcome {
    /// `None`: accepted without change; acknowledged at the batch's position.
    Accepted(Option<Entry>),
    /// Refused against changes of this batch that are not durable yet: sent
    /// once they are; `unavailable` instead if their commit fails, since
    /// the state it was decided against never existed.
    Refused(crate::queue::Rejection),
}

impl Room {
    /// Answers one request. An attendee's answer goes through the public
    /// feed's worker, behind the deltas already handed to it: a change goes
    /// out before the ack of the request that made it.
    pub(super) fn answer(&mut self, role: Role, to: &Arc<Outbox>, frame: Frame) {
        let wire = Wire::text(frame);
        match role {
            Role::Attendee => self.feeds.public.deliver(Job::Answer {
                to: to.clone(),
                wire,
            }),
            Role::Screen | Role::Moderator => to.answer(&wire),
        }
    }

    /// Decides one command; an accepted change is applied (and committed
    /// with the batch), a refusal against durable state answered at once.
    pub(super) fn decide_one(
        &mut self,
        by: Principal,
        op: Op,
        mut to: Reply,
        changed: &mut Vec<Entry>,
        pending: &mut Vec<Pending>,
    ) {
        let command = Command {
            by,
            at: self.stamp(),
            op,
        };
        let outcome = match decide(&self.state, &command) {
            Ok(Some(event)) => {
                let req = match &to {
                    Reply::Conn { req, .. } => Some(req.clone()),
                    Reply::Admin(_) | Reply::Export { .. } | Reply::Person { .. } => None,
                };
                let entry = self.apply(command, req, event);
                if let (Reply::Export { rows, .. }, Event::Exported { format }) =
                    (&mut to, &entry.event)
                    && !crate::export::is_audit(format)
                {
                    // At the entry itself: later commands of the batch
                    // are not in it (`exported` changes no row). An
                    // audit reads the log's entries instead.
                    *rows = Some(crate::export::rows(&self.state));
                }
                if let Reply::Person { scope, data, .. } = &mut to {
                    *data = crate::queue::person::person(&self.state, *scope).ok();
                }
                changed.push(entry.clone());
                Outcome::Accepted(Some(entry))
            }
            Ok(None) => Outcome::Accepted(None),
            Err(rejection) => {
                let outcome = Outcome::Refused(rejection);
                if changed.is_empty() {
                    // Decided against durable state: final.
                    self.reply(to, outcome, self.state.seq);
                    return;
                }
                outcome
            }
        };
        pending.push(Pending { to, outcome });
    }

    /// Answers a decided command once its batch is durable (`seq`: the
    /// batch's position, for changes that changed nothing).
    pub(super) fn reply(&mut self, to: Reply, outcome: Outcome, seq: Seq) {
        match to {
            Reply::Conn { role, outbox, req } => {
                let msg = match outcome {
                    Outcome::Accepted(Some(entry)) => ServerMsg::Ack {
                        question: self.asked(&entry),
                        id: req,
                        seq: entry.seq,
                    },
                    Outcome::Accepted(None) => ServerMsg::Ack {
                        id: req,
                        seq,
                        question: None,
                    },
                    Outcome::Refused(r) => ServerMsg::error(Some(req), r.code(), r.to_string()),
                };
                self.answer(role, &outbox, frame(&msg));
            }
            Reply::Admin(reply) => {
                let result = match outcome {
                    Outcome::Accepted(entry) => Ok(entry),
                    Outcome::Refused(r) => Err(AdminRefusal::Rejected(r)),
                };
                let _ = reply.send(result);
            }
            Reply::Export { reply, rows } => {
                let _ = reply.send(self.exported(outcome, rows));
            }
            Reply::Person { reply, data, .. } => {
                let _ = reply.send(self.person_reply(outcome, data));
            }
        }
    }

    /// The answer to a command whose batch was not stored.
    pub(super) fn fail(&mut self, to: Reply) {
        match to {
            Reply::Conn { role, outbox, req } => self.answer(role, &outbox, unavailable(req)),
            Reply::Admin(reply) => {
                let _ = reply.send(Err(AdminRefusal::Unavailable));
            }
            Reply::Export { reply, .. } => {
                let _ = reply.send(Err(AdminRefusal::Unavailable));
            }
            Reply::Person { reply, .. } => {
                let _ = reply.send(Err(AdminRefusal::Unavailable));
            }
        }
    }
}

const UNAVAILABLE: &str = "could not store the request; nothing was applied, retry";

pub(super) fn unavailable(req: String) -> Frame {
    frame(&ServerMsg::error(
        Some(req),
        ErrorCode::Unavailable,
        UNAVAILABLE,
    ))
}
