//! Who is who in an event: the principals that cause log entries, the
//! named staff and what each may do.
//!
//! Staff changes are log entries like any other, so replaying a log up to
//! a position rebuilds who was on the staff, with which role, at that
//! position: an entry names its principal, the state at that point says
//! what that principal could do.

use super::text::clean_optional;
use super::{Event, MAX_NAME, Rejection, State};
use hoidap_protocol::{Role, StaffRole, StaffWho};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Who caused an entry (or sends a command).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Principal {
    /// An attendee of an open event: a device holding a participant token.
    Participant { id: String },
    /// A named staff member, through their personal link.
    Staff { id: StaffId },
    /// Whoever holds the event's shared link for a role (the per-role
    /// secrets every event has had since the first version). Logs written
    /// before staff existed name only these.
    Link { role: Role },
    /// The organiser, through the admin API.
    Admin {},
}

impl Principal {
    pub fn participant(id: impl Into<String>) -> Self {
        Principal::Participant { id: id.into() }
    }

    /// The shared moderator link.
    pub fn moderator_link() -> Self {
        Principal::Link {
            role: Role::Moderator,
        }
    }

    pub fn participant_id(&self) -> Option<&str> {
        match self {
            Principal::Participant { id } => Some(id),
            _ => None,
        }
    }
}

/// A staff member's id within the event, `s1`, `s2`…: small, stable, and
/// readable in an audit trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StaffId(pub u32);

impl fmt::Display for StaffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}", self.0)
    }
}

impl std::str::FromStr for StaffId {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let n = s.strip_prefix('s').ok_or(())?;
        // No sign, no leading zeros: one spelling per id.
        if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        n.parse().map(StaffId).map_err(|_| ())
    }
}

impl Serialize for StaffId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StaffId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        s.parse()
            .map_err(|()| serde::de::Error::custom(format!("not a staff id: {s:?}")))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: StaffId,
    pub name: String,
    pub role: StaffRole,
    /// False once revoked; a re-issue makes the member active again.
    pub active: bool,
    /// SHA-256 of the personal secret (see `auth::staff_secret_hash`): the
    /// log never holds a usable link.
    pub secret_hash: String,
    /// Hashes of the links re-issued since: still recognised, to tell
    /// their holder the link was replaced rather than mistyped.
    pub retired_hashes: Vec<String>,
}

impl StaffMember {
    pub fn who(&self) -> StaffWho {
        StaffWho {
            id: self.id.to_string(),
            name: self.name.clone(),
            role: self.role,
        }
    }
}

/// What the organiser does to an event's staff (admin API). The secret is
/// drawn outside: the core draws no randomness.
#[derive(Debug, Clone)]
pub enum AdminAction {
    AddStaff {
        name: String,
        role: StaffRole,
        secret_hash: String,
    },
    ChangeStaff {
        id: StaffId,
        name: Option<String>,
        role: Option<StaffRole>,
    },
    RevokeStaff {
        id: StaffId,
    },
    ReissueStaff {
        id: StaffId,
        secret_hash: String,
    },
}

/// What a principal may do at the current position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Powers<'a> {
    Attendee(&'a str),
    /// A panel connection with this role. The shared moderator link acts
    /// as the chair: it had every power before staff existed, and an event
    /// that never adds staff keeps working as it did.
    Panel(StaffRole),
    Screen,
    Admin,
    /// A revoked staff member, or a link that grants nothing.
    Nobody,
}

impl<'a> Powers<'a> {
    pub fn of(state: &State, principal: &'a Principal) -> Powers<'a> {
        match principal {
            Principal::Participant { id } => Powers::Attendee(id),
            Principal::Staff { id } => match state.staff.get(id) {
                Some(m) if m.active && m.role == StaffRole::Screen => Powers::Screen,
                Some(m) if m.active => Powers::Panel(m.role),
                _ => Powers::Nobody,
            },
            Principal::Link {
                role: Role::Moderator,
            } => Powers::Panel(StaffRole::Chair),
            Principal::Link { role: Role::Screen } => Powers::Screen,
            Principal::Link {
                role: Role::Attendee,
            } => Powers::Nobody,
            Principal::Admin {} => Powers::Admin,
        }
    }

    /// Approve, hide, edit, settings, phase: the chair and moderators.
    pub fn moderates(self) -> bool {
        matches!(self, Powers::Panel(StaffRole::Chair | StaffRole::Moderator))
    }

    pub fn is_chair(self) -> bool {
        self == Powers::Panel(StaffRole::Chair)
    }
}

pub(super) fn decide_admin(
    state: &State,
    action: &AdminAction,
) -> Result<Option<Event>, Rejection> {
    match action {
        AdminAction::AddStaff {
            name,
            role,
            secret_hash,
        } => Ok(Some(Event::StaffAdded {
            id: StaffId(state.staff.keys().next_back().map_or(1, |id| id.0 + 1)),
            name: staff_name(name)?,
            role: *role,
            secret_hash: secret_hash.clone(),
        })),
        AdminAction::ChangeStaff { id, name, role } => {
            let member = state.staff.get(id).ok_or(Rejection::UnknownStaff)?;
            let name = match name {
                Some(n) => Some(staff_name(n)?).filter(|n| *n != member.name),
                None => None,
            };
            let role = role.filter(|r| *r != member.role);
            Ok(
                (name.is_some() || role.is_some()).then_some(Event::StaffChanged {
                    id: *id,
                    name,
                    role,
                }),
            )
        }
        AdminAction::RevokeStaff { id } => {
            let member = state.staff.get(id).ok_or(Rejection::UnknownStaff)?;
            Ok(member.active.then_some(Event::StaffRevoked { id: *id }))
        }
        AdminAction::ReissueStaff { id, secret_hash } => {
            state.staff.get(id).ok_or(Rejection::UnknownStaff)?;
            Ok(Some(Event::StaffReissued {
                id: *id,
                secret_hash: secret_hash.clone(),
            }))
        }
    }
}

fn staff_name(name: &str) -> Result<String, Rejection> {
    clean_optional(Some(name), MAX_NAME)?.ok_or(Rejection::Text(super::TextError::Empty))
}

/// Applies a staff entry; `false` if the event is not one.
pub(super) fn evolve_staff(state: &mut State, event: &Event) -> bool {
    match event {
        Event::StaffAdded {
            id,
            name,
            role,
            secret_hash,
        } => {
            state.staff.insert(
                *id,
                StaffMember {
                    id: *id,
                    name: name.clone(),
                    role: *role,
                    active: true,
                    secret_hash: secret_hash.clone(),
                    retired_hashes: Vec::new(),
                },
            );
        }
        Event::StaffChanged { id, name, role } => {
            if let Some(m) = state.staff.get_mut(id) {
                if let Some(name) = name {
                    m.name = name.clone();
                }
                if let Some(role) = role {
                    m.role = *role;
                }
            }
        }
        Event::StaffRevoked { id } => {
            if let Some(m) = state.staff.get_mut(id) {
                m.active = false;
            }
        }
        Event::StaffReissued { id, secret_hash } => {
            if let Some(m) = state.staff.get_mut(id) {
                m.active = true;
                let old = std::mem::replace(&mut m.secret_hash, secret_hash.clone());
                m.retired_hashes.push(old);
            }
        }
        _ => return false,
    }
    true
}
