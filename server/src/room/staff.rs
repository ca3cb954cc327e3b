//! Named staff in a running room: the credentials connections check their
//! hello against, and the connections each member holds, so a revoked or
//! re-issued link is cut off within one commit.

use super::{Frame, Room, frame};
use crate::outbox::{Class, Outbox, Wire};
use crate::queue::{Entry, Event, FastMap, StaffId, StaffMember, State};
use hoidap_protocol::{ErrorCode, ServerMsg, StaffRole, StaffWho, close};
use std::sync::{Arc, RwLock};

/// Which personal secrets open this event, by hash. Written by the room
/// after each commit that changed the staff, read by connections during
/// their hello (a plain lock, never held across an await): the room is
/// the only writer and a hello never waits for the room to check a link.
#[derive(Default)]
pub struct Credentials {
    table: RwLock<Table>,
}

#[derive(Default)]
struct Table {
    by_hash: FastMap<String, Found>,
    /// An active member who works at the panel: the shared moderator link
    /// then stops opening it, so every action has a name.
    panel: bool,
}

/// The proof a connection's hello presented: checked again by the room
/// when it joins, so a link revoked between the hello and the join does
/// not get in.
#[derive(Debug, Clone)]
pub struct StaffPass {
    pub id: StaffId,
    pub secret_hash: String,
}

/// A personal secret's member, as the hello needs it.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: StaffId,
    pub who: StaffWho,
    /// False for a revoked member's link and for links since re-issued:
    /// kept so the hello can say "revoked" instead of "wrong secret".
    pub valid: bool,
}

impl Credentials {
    /// The member whose personal secret (current or former) hashes to
    /// `hash`.
    pub fn find(&self, hash: &str) -> Option<Found> {
        self.read().by_hash.get(hash).cloned()
    }

    /// Whether the event has an active chair or moderator (the shared
    /// moderator link is then refused).
    pub fn has_panel_staff(&self) -> bool {
        self.read().panel
    }

    pub(super) fn rebuild(&self, state: &State) {
        let mut table = Table::default();
        for m in state.staff.values() {
            let found = |valid| Found {
                id: m.id,
                who: m.who(),
                valid,
            };
            for old in &m.retired_hashes {
                table.by_hash.insert(old.clone(), found(false));
            }
            table.by_hash.insert(m.secret_hash.clone(), found(m.active));
            // Only members who act on the queue replace the shared link:
            // officials, clerks and observers do not preside.
            table.panel |= m.active && matches!(m.role, StaffRole::Chair | StaffRole::Moderator);
        }
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = table;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Table> {
        // A panic while writing leaves a whole table (it is swapped in).
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The open connections of each staff member.
#[derive(Default)]
pub(super) struct StaffConns {
    by_member: FastMap<StaffId, Vec<Arc<Outbox>>>,
}

impl StaffConns {
    pub(super) fn add(&mut self, id: StaffId, outbox: &Arc<Outbox>) {
        self.by_member.entry(id).or_default().push(outbox.clone());
    }

    pub(super) fn remove(&mut self, id: StaffId, outbox: &Arc<Outbox>) {
        if let Some(list) = self.by_member.get_mut(&id) {
            list.retain(|o| !Arc::ptr_eq(o, outbox));
            if list.is_empty() {
                self.by_member.remove(&id);
            }
        }
    }

    pub(super) fn count(&self, id: StaffId) -> u32 {
        self.by_member.get(&id).map_or(0, |l| l.len() as u32)
    }

    /// Ends every connection of `id`: told why, then closed with `code`.
    fn end(&mut self, id: StaffId, why: &Frame, code: u16) {
        for outbox in self.by_member.remove(&id).unwrap_or_default() {
            outbox.push(&Wire::text(why.clone()), Class::Own);
            outbox.kick(code);
        }
    }
}

/// A member as the admin API lists them.
#[derive(Debug, Clone)]
pub struct Listed {
    pub member: StaffMember,
    pub connected: u32,
}

/// Why a joining staff connection was turned away.
pub(super) fn revoked_frame() -> Frame {
    frame(&ServerMsg::error(
        None,
        ErrorCode::Revoked,
        "this personal link was revoked or re-issued; ask the organiser for the current one",
    ))
}

impl Room {
    /// A staff connection may join only with the member's current secret.
    pub(super) fn pass_valid(&self, pass: &StaffPass) -> bool {
        self.state
            .staff
            .get(&pass.id)
            .is_some_and(|m| m.active && m.secret_hash == pass.secret_hash)
    }

    /// After a durable commit: the credentials follow the staff, and the
    /// connections of a member whose link or role changed end. A new role
    /// is picked up by reconnecting (close 4001, like a resync), a dead
    /// link is not (4003).
    pub(super) fn staff_committed(&mut self, entries: &[Entry]) {
        let mut changed = false;
        for entry in entries {
            let (id, code) = match &entry.event {
                Event::StaffAdded { .. } => {
                    changed = true;
                    continue;
                }
                Event::StaffRevoked { id } | Event::StaffReissued { id, .. } => {
                    (*id, close::REVOKED)
                }
                Event::StaffChanged {
                    id, role: Some(_), ..
                } => (*id, close::RESUME),
                Event::StaffChanged { .. } => {
                    changed = true;
                    continue;
                }
                _ => continue,
            };
            changed = true;
            let why = if code == close::REVOKED {
                revoked_frame()
            } else {
                frame(&ServerMsg::error(
                    None,
                    ErrorCode::Unavailable,
                    "your role changed; reconnecting",
                ))
            };
            self.staff_conns.end(id, &why, code);
        }
        if changed {
            self.credentials.rebuild(&self.state);
            self.presence.touch();
        }
    }

    pub(super) fn staff_listed(&self) -> Vec<Listed> {
        let conns = &self.staff_conns;
        self.state
            .staff
            .values()
            .map(|m| Listed {
                member: m.clone(),
                connected: conns.count(m.id),
            })
            .collect()
    }
}
