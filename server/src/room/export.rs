//! Exports through the room: each is a command (so the core decides who
//! may, and the log records who exported what, when), and its rows are
//! read from the state at its own entry, after which the bytes are written
//! outside the room (`export_api`), so a large workbook never holds up the
//! queue.

use super::answer::{Outcome, Pending, Reply};
use super::{AdminRefusal, Room};
use crate::export::{Export, Header, Row};
use crate::queue::{Entry, Op, Principal};
use tokio::sync::oneshot;

/// The rows of an accepted export, or why not.
pub type ExportReply = Result<Export, AdminRefusal>;

impl Room {
    pub(super) fn export(
        &mut self,
        by: Principal,
        format: String,
        reply: oneshot::Sender<ExportReply>,
        changed: &mut Vec<Entry>,
        pending: &mut Vec<Pending>,
    ) {
        if self.broken {
            let _ = reply.send(Err(AdminRefusal::Unavailable));
            return;
        }
        let to = Reply::Export { reply, rows: None };
        self.decide_one(by, Op::Export { format }, to, changed, pending);
    }

    /// What every export says of itself: the event as the state names it,
    /// and its own `exported` entry's time and position.
    pub(super) fn export_header(&self, entry: &Entry) -> Header {
        Header {
            title: self.state.title.clone(),
            join_code: self.record.join_code.clone(),
            exported_at: entry.at,
            entries_seq: entry.seq,
            // The room does not read the log: the API asks it for the
            // entry's hash once this answer is sent, after the commit.
            chain_head: String::new(),
        }
    }

    /// The answer once the export's entry is durable.
    pub(super) fn exported(&self, outcome: Outcome, rows: Option<Vec<Row>>) -> ExportReply {
        match outcome {
            Outcome::Accepted(Some(entry)) => Ok(Export {
                event: self.export_header(&entry),
                questions: rows.unwrap_or_default(),
            }),
            // `decide` always logs an export it accepts.
            Outcome::Accepted(None) => Err(AdminRefusal::Unavailable),
            Outcome::Refused(r) => Err(AdminRefusal::Rejected(r)),
        }
    }
}
