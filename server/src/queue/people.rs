//! Who is who in an event: the principals that cause log entries, the
//! named staff and what each may do.
//!
//! Staff changes are log entries like any other, so replaying a log up to
//! a position rebuilds who was on the staff, with which role, at that
//! position: an entry names its principal, the state at that point says
//! what that principal could do.

use super::ids::{DelegateId, StaffId};
use super::text::clean_optional;
use super::{Event, MAX_NAME, Rejection, State};
use hoidap_protocol::{Role, StaffRole, StaffWho};
use serde::{Deserialize, Serialize};

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
    /// A delegate on a roster event's roster, through their card.
    Delegate { id: DelegateId },
    /// The asker of a question anonymous to everyone: a pseudonym the room
    /// derives from the asker (participant or delegate) with a key the log
    /// does not hold, so no copy of the log links the question to its
    /// asker, while the room can still show them their own question.
    Sealed { id: String },
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

    /// The key of an attendee (a participant, or a delegate whatever their
    /// device) in the state's voter table.
    pub fn voter(&self) -> Option<std::borrow::Cow<'_, str>> {
        match self {
            Principal::Participant { id } => Some(id.into()),
            Principal::Delegate { id } => Some(id.to_string().into()),
            Principal::Sealed { id } => Some(id.into()),
            _ => None,
        }
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
    /// Rows read from the organiser's file (see `roster::parse`).
    AddDelegates {
        rows: Vec<super::NewDelegate>,
    },
    ResetDelegate {
        id: DelegateId,
    },
    /// Settings only the organiser changes (roster mode), with the rest.
    SetSettings {
        settings: hoidap_protocol::Settings,
    },
    SetTitle {
        title: String,
    },
    /// The event's topics (the panel's moderators may set them too).
    SetTopics {
        topics: Vec<hoidap_protocol::TopicInput>,
    },
}

/// What a principal may do at the current position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Powers<'a> {
    /// A participant of an open event or a roster delegate: their key in
    /// the voter table.
    Attendee(&'a str),
    /// Someone in a roster event without a delegate's code: watches only.
    Guest,
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
    pub fn of(state: &'a State, principal: &'a Principal) -> Powers<'a> {
        match principal {
            Principal::Participant { .. } if state.settings.roster => Powers::Guest,
            Principal::Participant { id } => Powers::Attendee(id),
            // Made by the room only, for someone it found may ask.
            Principal::Sealed { id } => Powers::Attendee(id),
            Principal::Delegate { id } => match state.delegates.get(id) {
                Some(d) => Powers::Attendee(&d.key),
                None => Powers::Nobody,
            },
            Principal::Staff { id } => match state.staff.get(id) {
                Some(m) if m.active && m.role == StaffRole::Screen => Powers::Screen,
                Some(m) if m.active => Powers::Panel(m.role),
                _ => Powers::Nobody,
            },
            Principal::Link {
                role: Role::Moderator,
            } => Powers::Panel(StaffRole::Chair),
            Principal::Link { role: Role::Screen } => Powers::Screen,
            // An attendee without an identity exists only in roster
            // events (a device without a card).
            Principal::Link {
                role: Role::Attendee,
            } if state.settings.roster => Powers::Guest,
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

/// The roles the organiser may allow to export, in the order kept.
const EXPORTING: [StaffRole; 4] = [
    StaffRole::Moderator,
    StaffRole::Official,
    StaffRole::Clerk,
    StaffRole::Observer,
];

/// The organiser and the chair (a chair's personal link, or the shared
/// moderator link, which acts as the chair) may export, and the staff
/// roles the organiser allowed (`Settings::export_roles`); nobody else:
/// an export takes the panel's view, names included, off the server.
/// `roles` as `Settings::export_roles` keeps them: one order whatever the
/// console sent, so the same choice is the same settings (and no entry);
/// the chair always may, so is not listed; a screen never may.
pub fn export_roles(roles: &[StaffRole]) -> Result<Vec<StaffRole>, Rejection> {
    if roles.contains(&StaffRole::Screen) {
        return Err(Rejection::BadSetting(
            "export_roles: a screen never exports",
        ));
    }
    Ok(EXPORTING
        .into_iter()
        .filter(|r| roles.contains(r))
        .collect())
}

pub(super) fn decide_export(
    state: &State,
    powers: Powers<'_>,
    format: &str,
) -> Result<Option<Event>, Rejection> {
    let allowed = match powers {
        Powers::Admin => true,
        Powers::Panel(role) => {
            role == StaffRole::Chair || state.settings.export_roles.contains(&role)
        }
        _ => false,
    };
    if !allowed {
        return Err(Rejection::Forbidden);
    }
    if format == super::PERSON_FORMAT {
        // One person's data: the organiser's alone (docs/privacy.md).
        if powers != Powers::Admin {
            return Err(Rejection::Forbidden);
        }
    } else if !super::EXPORT_FORMATS.contains(&format) {
        return Err(Rejection::BadSetting("format"));
    }
    Ok(Some(Event::Exported {
        format: format.to_owned(),
    }))
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
        AdminAction::AddDelegates { rows } => super::roster::decide_add(state, rows),
        AdminAction::ResetDelegate { id } => super::roster::decide_reset(state, *id),
        AdminAction::SetTitle { title } => {
            let title = clean_optional(Some(title), super::MAX_TITLE)?
                .ok_or(Rejection::Text(super::TextError::Empty))?;
            Ok((title != state.title).then_some(Event::TitleSet { title }))
        }
        AdminAction::SetTopics { topics } => super::followup::set_topics(state, topics),
        AdminAction::SetSettings { settings } => {
            let settings = super::apply::checked_settings(settings.clone())?;
            Ok((settings != state.settings).then_some(Event::SettingsSet { settings }))
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
