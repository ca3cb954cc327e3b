//! Who is connected to the room, and the panel's `presence` message
//! (screens, staff by name, attendees, the roster's delegates).
//!
//! A connection is counted when it joins fresh and forgotten when it
//! leaves (`members`). Attendees are only counted (they may be
//! thousands); panel and screen connections, a handful, are kept with the
//! staff member whose link they came through. That is what lets the panel
//! be told which people and how many screens are there, and it keeps the
//! counts honest: a connection turned away at its join (its link revoked
//! since its hello) was never counted, so its leave subtracts nothing.
//!
//! The panel learns it on joining, then whenever it changes, but at most
//! every `COALESCE`: a hall's phones reconnecting after the Wi-Fi drops are
//! thousands of joins in a few seconds, and each must not become a frame
//! to every moderator. The first change after a quiet spell goes out right
//! after the batch that made it, so a screen that connects or drops shows
//! at once; a change held back by the window goes out after a later batch
//! or on a tick of the room's loop. Either way it leaves only between
//! batches, never while a commit is in flight: it names the staff, and a
//! member added by a batch that is not durable yet must not show.

use super::{Frame, Room, frame};
use crate::outbox::Outbox;
use crate::queue::StaffId;
use hoidap_protocol::{LinkPresence, Role, RosterPresence, ServerMsg, StaffPresence};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// The shortest time between two presence messages to the panel.
pub(super) const COALESCE: Duration = Duration::from_millis(500);

#[derive(Default)]
pub(super) struct Presence {
    attendees: u32,
    /// Open panel and screen connections.
    others: Vec<Member>,
    /// Something changed since the last message.
    dirty: bool,
    last: Option<ServerMsg>,
    last_at: Option<Instant>,
}

struct Member {
    outbox: Arc<Outbox>,
    role: Role,
    /// `None`: the shared link of its role.
    staff: Option<StaffId>,
}

impl Presence {
    pub(super) fn add(&mut self, role: Role, staff: Option<StaffId>, outbox: &Arc<Outbox>) {
        match role {
            Role::Attendee => self.attendees += 1,
            Role::Moderator | Role::Screen => self.others.push(Member {
                outbox: outbox.clone(),
                role,
                staff,
            }),
        }
        self.dirty = true;
    }

    /// Whether the connection had been counted.
    pub(super) fn remove(&mut self, role: Role, outbox: &Arc<Outbox>) -> bool {
        let counted = match role {
            Role::Attendee => {
                self.attendees = self.attendees.saturating_sub(1);
                true
            }
            Role::Moderator | Role::Screen => {
                let before = self.others.len();
                self.others.retain(|m| !Arc::ptr_eq(&m.outbox, outbox));
                self.others.len() < before
            }
        };
        self.dirty |= counted;
        counted
    }

    fn count(&self, keep: impl Fn(&Member) -> bool) -> u32 {
        self.others.iter().filter(|m| keep(m)).count() as u32
    }

    /// Open attendee, panel and screen connections.
    pub(super) fn counts(&self) -> [u32; 3] {
        let panel = self.count(|m| m.role == Role::Moderator);
        [self.attendees, panel, self.others.len() as u32 - panel]
    }

    /// The staff changed (or the state was reloaded): the next message
    /// names them again.
    pub(super) fn touch(&mut self) {
        self.dirty = true;
    }
}

impl Room {
    fn presence_msg(&self) -> ServerMsg {
        let p = &self.presence;
        let staff = self
            .state
            .staff
            .values()
            .filter(|m| m.active)
            .map(|m| StaffPresence {
                id: m.id.to_string(),
                name: m.name.clone(),
                role: m.role,
                connections: p.count(|c| c.staff == Some(m.id)),
            })
            .collect();
        let shared = |role: Role| p.count(|c| c.role == role && c.staff.is_none());
        let [attendees, moderators, screens] = p.counts();
        ServerMsg::Presence {
            attendees,
            participants: self.askers.participants() as u32,
            moderators,
            screens,
            staff,
            links: LinkPresence {
                moderator: shared(Role::Moderator),
                screen: shared(Role::Screen),
            },
            roster: self.state.settings.roster.then(|| RosterPresence {
                claimed: self.state.delegates.values().filter(|d| d.claimed).count() as u32,
                present: self.delegate_conns.present(),
                total: self.state.delegates.len() as u32,
            }),
        }
    }

    /// What a joining panel connection is told, after its snapshot.
    pub(super) fn presence_frame(&self) -> Frame {
        frame(&self.presence_msg())
    }

    /// On the room's tick, between batches: tells the panel who is
    /// connected if that changed and the last message is old enough.
    pub(super) fn send_presence(&mut self) {
        let now = Instant::now();
        let p = &self.presence;
        if !p.dirty || p.last_at.is_some_and(|at| now - at < COALESCE) {
            return;
        }
        self.presence.dirty = false;
        if self.presence.counts()[1] == 0 {
            // Nobody to tell; a panel that joins is told at its join.
            return;
        }
        let msg = self.presence_msg();
        if self.presence.last.as_ref() == Some(&msg) {
            return;
        }
        self.feeds.moderator.send(frame(&msg));
        self.presence.last = Some(msg);
        self.presence.last_at = Some(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An outbox over a real socket pair (the peer is kept open).
    async fn outbox() -> (Arc<Outbox>, tokio::net::TcpStream) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let peer = tokio::net::TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let (server, _) = listener.accept().await.unwrap();
        (Arc::new(Outbox::new(Arc::new(server))), peer)
    }

    #[tokio::test]
    async fn each_connection_counts_once_and_only_if_it_was_counted() {
        let mut p = Presence::default();
        let (shared, _a) = outbox().await;
        let (lan, _b) = outbox().await;
        let (screen, _c) = outbox().await;
        let (phone, _d) = outbox().await;
        let (turned_away, _e) = outbox().await;
        p.add(Role::Moderator, None, &shared);
        p.add(Role::Moderator, Some(StaffId(2)), &lan);
        p.add(Role::Screen, None, &screen);
        p.add(Role::Attendee, None, &phone);
        assert_eq!(p.counts(), [1, 2, 1]);
        assert_eq!(p.count(|m| m.staff == Some(StaffId(2))), 1);
        // Its link was revoked between its hello and its join: never
        // added, so its leave takes nobody else's place.
        p.dirty = false;
        assert!(!p.remove(Role::Moderator, &turned_away));
        assert_eq!(p.counts(), [1, 2, 1]);
        assert!(!p.dirty, "nothing changed");
        assert!(p.remove(Role::Moderator, &lan));
        assert!(!p.remove(Role::Moderator, &lan), "a leave counts once");
        assert!(p.remove(Role::Screen, &screen));
        assert!(p.remove(Role::Attendee, &phone));
        assert_eq!(p.counts(), [0, 1, 0]);
        assert!(p.dirty);
    }
}
