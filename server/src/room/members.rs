//! Connections becoming members of the room's audiences, and leaving:
//! the checks a join repeats (a link revoked, a card claimed elsewhere
//! since the hello), and the counts presence reports (`presence`).

use super::{DelegatePass, Room, StaffPass, roster, staff};
use crate::outbox::{Class, Outbox, Wire};
use crate::queue::{DelegateId, StaffId};
use crate::room::deliver::Job;
use hoidap_protocol::{Role, close};
use std::sync::Arc;

/// A `RoomMsg::Join`'s connection, as checked.
pub(super) struct Joining {
    pub role: Role,
    pub participant: Option<String>,
    pub staff: Option<StaffPass>,
    pub delegate: Option<DelegatePass>,
    pub fresh: bool,
    pub source: Option<std::net::IpAddr>,
}

impl Room {
    /// Registers a joining connection; `Some(participant)` when it is to
    /// be brought up to date after the batch, `None` when it was turned
    /// away (told why and closed).
    pub(super) fn admit(
        &mut self,
        joining: Joining,
        outbox: &Arc<Outbox>,
    ) -> Option<Option<String>> {
        if let Some(pass) = &joining.staff {
            if !self.pass_valid(pass) {
                outbox.push(&Wire::text(staff::revoked_frame()), Class::Own);
                outbox.kick(close::REVOKED);
                return None;
            }
            if joining.fresh {
                self.staff_conns.add(pass.id, outbox);
            }
        }
        if let Some(pass) = joining.delegate {
            if !self.delegate_current(pass) {
                outbox.push(&Wire::text(roster::moved_frame()), Class::Own);
                outbox.kick(close::MOVED);
                return None;
            }
            if joining.fresh {
                self.delegate_conns.add(pass, outbox);
            }
        }
        if let Some(p) = &joining.participant {
            self.askers.register(p, &self.cards.pseudonym(p), outbox);
            if let Some(addr) = joining.source {
                self.sources.seen(p, addr);
            }
        }
        if joining.fresh {
            crate::metrics::connection_opened(joining.role);
            let member = joining.staff.as_ref().map(|s| s.id);
            self.presence.add(joining.role, member, outbox);
        }
        Some(joining.participant)
    }

    /// A connection ended.
    pub(super) fn depart(
        &mut self,
        role: Role,
        participant: Option<String>,
        staff: Option<StaffId>,
        delegate: Option<DelegateId>,
        outbox: Arc<Outbox>,
    ) {
        if let Some(id) = staff {
            self.staff_conns.remove(id, &outbox);
        }
        if let Some(id) = delegate {
            self.delegate_conns.remove(id, &outbox);
        }
        if let Some(p) = &participant {
            self.askers.prune(p);
        }
        // One turned away at its join was never counted.
        if self.presence.remove(role, &outbox) {
            crate::metrics::connection_closed(role);
        }
        self.feeds.of_mut(role).deliver(Job::Leave(outbox));
    }
}
