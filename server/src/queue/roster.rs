//! The roster of a roster event: its delegates, their cards and devices.
//!
//! A delegate is a person the organiser imported (name, unit, position).
//! Their card carries a personal code; claiming it binds the delegate to a
//! device (`device` counts the claims), claiming it again elsewhere moves
//! them, and a reset gives the card a new code (`code` counts the resets).
//! The codes themselves are derived outside the core from a server key and
//! these counters (see `room::roster`), so the log holds no usable code.
//!
//! What the core enforces: in a roster event only a delegate asks and
//! votes, and a delegate is one voter whatever the number of devices.

use super::ids::DelegateId;
use super::text::clean_optional;
use super::{Event, MAX_NAME, MAX_UNIT, Rejection, State, TextError};
use hoidap_protocol::Seq;
use serde::{Deserialize, Serialize};

/// Delegates in one event, imports together.
pub const MAX_DELEGATES: usize = 5_000;
/// Characters.
pub const MAX_POSITION: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delegate {
    pub id: DelegateId,
    pub name: String,
    pub unit: Option<String>,
    pub position: Option<String>,
    /// The delegate's voter key in the state's participant table (`d7`):
    /// votes and questions are keyed by it, so every device of the
    /// delegate is the same voter.
    pub key: String,
    /// Claims and resets so far: only the device holding the latest claim
    /// speaks for the delegate, and none after a reset.
    pub device: u32,
    /// A device holds the card now (claimed, and not reset since).
    pub claimed: bool,
    /// Resets so far: the card's code is derived from it.
    pub code: u32,
    /// The position of the `delegates_added` entry that holds the record
    /// (the one a detach rewrites).
    pub added_seq: Seq,
}

impl Delegate {
    pub fn who(&self) -> hoidap_protocol::DelegateWho {
        hoidap_protocol::DelegateWho {
            id: self.id.to_string(),
            name: self.name.clone(),
            unit: self.unit.clone(),
            position: self.position.clone(),
        }
    }
}

/// One delegate as imported and stored in `delegates_added`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DelegateRecord {
    pub id: DelegateId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// A row to import (already read from the organiser's file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDelegate {
    pub name: String,
    pub unit: Option<String>,
    pub position: Option<String>,
}

/// The same person twice: a re-imported file, or one row of it.
fn same_person(name: &str, unit: Option<&str>, d: &Delegate) -> bool {
    d.name == name && d.unit.as_deref() == unit
}

pub(super) fn decide_add(state: &State, rows: &[NewDelegate]) -> Result<Option<Event>, Rejection> {
    if rows.is_empty() {
        return Ok(None);
    }
    if state.delegates.len() + rows.len() > MAX_DELEGATES {
        return Err(Rejection::RosterFull(MAX_DELEGATES));
    }
    let next = state.delegates.keys().next_back().map_or(1, |id| id.0 + 1);
    let mut already = Vec::new();
    let mut delegates = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let name = clean_optional(Some(&row.name), MAX_NAME)?.ok_or(TextError::Empty)?;
        let unit = clean_optional(row.unit.as_deref(), MAX_UNIT)?;
        let position = clean_optional(row.position.as_deref(), MAX_POSITION)?;
        let on_roster = state
            .delegates
            .values()
            .find(|d| same_person(&name, unit.as_deref(), d));
        if let Some(d) = on_roster {
            already.push((i, d.id));
        }
        delegates.push(DelegateRecord {
            id: DelegateId(next + i as u32),
            name,
            unit,
            position,
        });
    }
    // All or nothing: the organiser corrects the file and imports it again.
    if !already.is_empty() {
        return Err(Rejection::AlreadyOnRoster(already));
    }
    Ok(Some(Event::DelegatesAdded { delegates }))
}

/// A card's code used on a device: the device that claims last holds it.
pub(super) fn decide_claim(state: &State, id: DelegateId) -> Result<Option<Event>, Rejection> {
    let d = state.delegates.get(&id).ok_or(Rejection::UnknownDelegate)?;
    Ok(Some(Event::DelegateClaimed {
        id,
        device: d.device + 1,
    }))
}

/// A new code for a lost card: the old code and every device stop working.
pub(super) fn decide_reset(state: &State, id: DelegateId) -> Result<Option<Event>, Rejection> {
    let d = state.delegates.get(&id).ok_or(Rejection::UnknownDelegate)?;
    Ok(Some(Event::DelegateReset {
        id,
        code: d.code + 1,
    }))
}

/// Applies a roster entry; `false` if the event is not one.
pub(super) fn evolve_roster(state: &mut State, seq: Seq, event: &Event) -> bool {
    match event {
        Event::DelegatesAdded { delegates } => {
            for r in delegates {
                let d = Delegate {
                    id: r.id,
                    name: r.name.clone(),
                    unit: r.unit.clone(),
                    position: r.position.clone(),
                    key: r.id.to_string(),
                    device: 0,
                    claimed: false,
                    code: 0,
                    added_seq: seq,
                };
                state.delegates.insert(r.id, d);
            }
        }
        Event::DelegateClaimed { id, device } => {
            if let Some(d) = state.delegates.get_mut(id) {
                d.device = *device;
                d.claimed = true;
            }
        }
        Event::DelegateReset { id, code } => {
            if let Some(d) = state.delegates.get_mut(id) {
                d.code = *code;
                // The devices that held the old card no longer speak for
                // the delegate either: the next claim is a new device.
                d.device += 1;
                d.claimed = false;
            }
        }
        _ => return false,
    }
    true
}
