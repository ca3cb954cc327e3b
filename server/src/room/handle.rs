//! How the rest of the server talks to a room: its handle and the
//! messages its inbox takes.

use super::*;

/// A cheap handle to a room; clone freely.
#[derive(Clone)]
pub struct RoomHandle {
    pub(super) tx: mpsc::Sender<RoomMsg>,
    pub record: Arc<EventRecord>,
    /// The personal staff links that open this event.
    pub credentials: Arc<Credentials>,
    /// The delegates' cards (roster events).
    pub cards: Arc<Cards>,
}

/// The organiser's command, answered with the entry it produced (`None`:
/// nothing to change) or why it was refused.
pub type AdminReply = Result<Option<Entry>, AdminRefusal>;

#[derive(Debug)]
pub enum AdminRefusal {
    Rejected(crate::queue::Rejection),
    /// Not stored (the log failed); nothing changed, retry.
    Unavailable,
}

pub enum RoomMsg {
    Command {
        by: Principal,
        /// The connection's page: where its answers are routed.
        role: Role,
        req: String,
        action: Action,
        /// Where the answer goes.
        reply: Arc<Outbox>,
    },
    /// From the admin API.
    Admin {
        action: AdminAction,
        reply: oneshot::Sender<AdminReply>,
    },
    /// An export (export API): decided like a command (the organiser or
    /// the chair), logged, answered with the rows read at its entry.
    Export {
        by: Principal,
        format: String,
        reply: oneshot::Sender<ExportReply>,
    },
    /// The organiser's (or the retention period's) detach of identities
    /// (`queue::privacy`), answered with its entry.
    Detach {
        scope: crate::queue::privacy::Scope,
        reason: crate::queue::privacy::DetachReason,
        reply: oneshot::Sender<AdminReply>,
    },
    /// One person's data (admin API), logged as an export.
    Person {
        scope: crate::queue::privacy::Scope,
        reply: oneshot::Sender<super::privacy::PersonReply>,
    },
    /// The staff, with their open connections (admin API).
    Staff { reply: oneshot::Sender<Vec<Listed>> },
    /// A card's code was used on a device (the hello found it): the
    /// delegate's next claim, answered with its entry.
    Claim {
        id: DelegateId,
        reply: oneshot::Sender<AdminReply>,
    },
    /// The roster with each card's code and open connections (admin API).
    Roster {
        reply: oneshot::Sender<Vec<RosterListed>>,
    },
    /// The event's settings now (admin API).
    Settings {
        reply: oneshot::Sender<hoidap_protocol::Settings>,
    },
    /// Brings the connection up to date (snapshot, or the deltas it missed)
    /// and adds it to its audience. `fresh`: a new connection (counted in
    /// presence), not a resync after lagging.
    Join {
        role: Role,
        participant: Option<String>,
        /// A named staff member's connection (personal link).
        staff: Option<StaffPass>,
        /// A delegate's device (roster events).
        delegate: Option<DelegatePass>,
        resume: Option<ResumeFrom>,
        fresh: bool,
        outbox: Arc<Outbox>,
        /// The connection's source address, on a fresh attendee join.
        source: Option<std::net::IpAddr>,
    },
    Leave {
        role: Role,
        participant: Option<String>,
        staff: Option<StaffId>,
        delegate: Option<DelegateId>,
        outbox: Arc<Outbox>,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("the room has stopped")]
pub struct RoomGone;

impl RoomHandle {
    pub async fn send(&self, msg: RoomMsg) -> Result<(), RoomGone> {
        self.tx.send(msg).await.map_err(|_| RoomGone)
    }

    /// Handles alive (this one included): the registry unloads a room only
    /// when its own is the last (see `idle`).
    pub fn holders(&self) -> usize {
        self.tx.strong_count()
    }
}
