//! Delegates in a running room: the cards' codes a hello claims with, and
//! the connections each delegate holds, so a card claimed on another
//! device, or reset, cuts the old device off within one commit.

use super::{Frame, Room, frame};
use crate::outbox::{Class, Outbox, Wire};
use crate::queue::{Delegate, DelegateId, Entry, Event, FastMap, Powers, Principal, State};
use crate::roster::codes::{delegate_code, normalize_delegate_code};
use hoidap_protocol::{Action, DelegateWho, ErrorCode, Identity, ServerMsg, close};
use std::sync::{Arc, RwLock};

/// The event's cards, for hellos: written by the room after each commit
/// that changed the roster, read by connections during their hello (a
/// plain lock, never held across an await), like `Credentials`.
pub struct Cards {
    /// The event's card key: codes are derived from it (`delegate_code`).
    key: [u8; 32],
    table: RwLock<CardTable>,
}

#[derive(Default)]
struct CardTable {
    roster: bool,
    by_code: FastMap<String, DelegateId>,
    /// The claim that speaks for each delegate now, and who they are.
    holders: FastMap<DelegateId, (u32, DelegateWho)>,
}

/// The proof a delegate's connection presented (a token for one claim):
/// checked again by the room when it joins, so a card claimed elsewhere
/// between the hello and the join does not get in.
#[derive(Debug, Clone, Copy)]
pub struct DelegatePass {
    pub id: DelegateId,
    pub device: u32,
}

impl Cards {
    pub fn new(key: [u8; 32]) -> Cards {
        Cards {
            key,
            table: RwLock::default(),
        }
    }

    /// Roster mode: asking and voting need a card.
    pub fn roster(&self) -> bool {
        self.read().roster
    }

    /// The delegate whose card has the code `typed` (any case, dashes and
    /// spaces ignored).
    pub fn find(&self, typed: &str) -> Option<DelegateId> {
        let code = normalize_delegate_code(typed)?;
        self.read().by_code.get(&code).copied()
    }

    /// The claim that speaks for `id` now, and who they are.
    pub fn holder(&self, id: DelegateId) -> Option<(u32, DelegateWho)> {
        self.read().holders.get(&id).cloned()
    }

    /// The pseudonym `voter` asks under when anonymous to everyone
    /// (`Principal::Sealed`): `~` and 96 bits of HMAC under the card key,
    /// which the log does not hold. `~` is in no participant id or
    /// delegate key.
    pub fn pseudonym(&self, voter: &str) -> String {
        use base64::Engine;
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("any key length");
        mac.update(b"asker:");
        mac.update(voter.as_bytes());
        let digest = mac.finalize().into_bytes();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("~{}", b64.encode(&digest[..12]))
    }

    /// The code printed on `d`'s card now.
    pub fn code(&self, d: &Delegate) -> String {
        delegate_code(&self.key, d.id, d.code)
    }

    pub(super) fn rebuild(&self, state: &State) {
        let mut table = CardTable {
            roster: state.settings.roster,
            ..CardTable::default()
        };
        for d in state.delegates.values() {
            table.by_code.insert(self.code(d), d.id);
            table.holders.insert(d.id, (d.device, d.who()));
        }
        *self.table.write().unwrap_or_else(|e| e.into_inner()) = table;
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, CardTable> {
        // A panic while writing leaves a whole table (it is swapped in).
        self.table.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The open connections of each delegate, with the claim each holds.
#[derive(Default)]
pub(super) struct DelegateConns {
    by_delegate: FastMap<DelegateId, Vec<(u32, Arc<Outbox>)>>,
}

impl DelegateConns {
    pub(super) fn add(&mut self, pass: DelegatePass, outbox: &Arc<Outbox>) {
        let list = self.by_delegate.entry(pass.id).or_default();
        list.push((pass.device, outbox.clone()));
    }

    pub(super) fn remove(&mut self, id: DelegateId, outbox: &Arc<Outbox>) {
        if let Some(list) = self.by_delegate.get_mut(&id) {
            list.retain(|(_, o)| !Arc::ptr_eq(o, outbox));
            if list.is_empty() {
                self.by_delegate.remove(&id);
            }
        }
    }

    pub(super) fn count(&self, id: DelegateId) -> u32 {
        self.by_delegate.get(&id).map_or(0, |l| l.len() as u32)
    }

    /// Delegates with at least one open connection.
    pub(super) fn present(&self) -> u32 {
        self.by_delegate.len() as u32
    }

    /// Ends the connections of `id` holding a claim older than `device`.
    fn end_before(&mut self, id: DelegateId, device: u32) {
        let Some(list) = self.by_delegate.get_mut(&id) else {
            return;
        };
        list.retain(|(held, outbox)| {
            if *held >= device {
                return true;
            }
            outbox.push(&Wire::text(moved_frame()), Class::Own);
            outbox.kick(close::MOVED);
            false
        });
        if list.is_empty() {
            self.by_delegate.remove(&id);
        }
    }
}

/// A delegate as the admin API lists them.
#[derive(Debug, Clone)]
pub struct RosterListed {
    pub delegate: Delegate,
    /// The code on their card now, `XXXX-XXXX`.
    pub code: String,
    /// Open connections.
    pub present: u32,
}

/// Why a delegate's device was cut off or turned away.
pub(super) fn moved_frame() -> Frame {
    frame(&ServerMsg::error(
        None,
        ErrorCode::Moved,
        "this delegate's card was used on another device, or its code was reset",
    ))
}

impl Room {
    /// The principal an ask anonymous to everyone is stored under: the
    /// asker's pseudonym, once the core says the asker may ask at all.
    /// The asker's own moves on such a question (`not_satisfied`) are made
    /// under the same pseudonym, so the core knows them as its asker.
    pub(super) fn sealed(&self, by: Principal, action: &Action) -> Principal {
        // Every vote passes here: look up powers only for the two actions
        // that may need a pseudonym.
        let question = match action {
            Action::Ask {
                identity: Some(Identity::Anonymous),
                ..
            } => None,
            Action::NotSatisfied { question, .. } => Some(*question),
            _ => return by,
        };
        let Powers::Attendee(key) = Powers::of(&self.state, &by) else {
            return by;
        };
        let pseudonym = Principal::Sealed {
            id: self.cards.pseudonym(key),
        };
        let Some(question) = question else {
            return pseudonym;
        };
        let asker = self.state.questions.get(&question).and_then(|q| q.asker);
        let theirs = pseudonym
            .voter()
            .and_then(|p| self.state.participant(&p))
            .is_some_and(|p| asker == Some(p));
        if theirs { pseudonym } else { by }
    }

    /// A delegate's connection may join only with the latest claim.
    pub(super) fn delegate_current(&self, pass: DelegatePass) -> bool {
        self.state
            .delegates
            .get(&pass.id)
            .is_some_and(|d| d.device == pass.device)
    }

    /// After a durable commit: the cards follow the roster, and the devices
    /// a newer claim or a reset replaced are told and closed (4004).
    pub(super) fn roster_committed(&mut self, entries: &[Entry]) {
        let mut changed = false;
        for entry in entries {
            match &entry.event {
                Event::DelegateClaimed { id, .. } | Event::DelegateReset { id, .. } => {
                    let device = self.state.delegates.get(id).map_or(u32::MAX, |d| d.device);
                    self.delegate_conns.end_before(*id, device);
                    changed = true;
                }
                Event::DelegatesAdded { .. } | Event::SettingsSet { .. } => changed = true,
                _ => {}
            }
        }
        if changed {
            self.cards.rebuild(&self.state);
            self.presence.touch();
        }
    }

    pub(super) fn roster_listed(&self) -> Vec<RosterListed> {
        self.state
            .delegates
            .values()
            .map(|d| RosterListed {
                code: self.cards.code(d),
                present: self.delegate_conns.count(d.id),
                delegate: d.clone(),
            })
            .collect()
    }
}
