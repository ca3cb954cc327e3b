//! `decide` (may refuse, never mutates) and `evolve` (mutates, never fails).

use super::people::{self, Powers};
use super::state::{Applied, QuestionState};
use super::text::{clean_optional, clean_text};
use super::{Command, Entry, Event, MAX_LENGTH_CEILING, MAX_NAME, MAX_UNIT, Op, Rejection, State};
use hoidap_protocol::{Action, Identity, Phase, QuestionId, QuestionStatus, Settings};

/// Checks `command` against `state`. `Ok(None)` means accepted with nothing
/// to change (voting for what one already voted for, approving what is
/// already live): retries and double taps are harmless.
pub fn decide(state: &State, command: &Command) -> Result<Option<Event>, Rejection> {
    let powers = Powers::of(state, &command.by);
    match &command.op {
        Op::Client(action) => {
            match super::followup::decide(state, command.at, &command.by, powers, action) {
                Some(decided) => decided,
                None => decide_client(state, powers, action),
            }
        }
        Op::Admin(action) if powers == Powers::Admin => people::decide_admin(state, action),
        Op::Admin(_) => Err(Rejection::Forbidden),
        Op::Claim => match &command.by {
            super::Principal::Delegate { id } => super::roster::decide_claim(state, *id),
            _ => Err(Rejection::Forbidden),
        },
        Op::Export { format } => people::decide_export(state, powers, format),
        Op::Detach {
            scope,
            reason,
            stored,
        } if powers == Powers::Admin => {
            super::privacy::decide_detach(state, *scope, *reason, stored)
        }
        Op::Detach { .. } => Err(Rejection::Forbidden),
    }
}

fn decide_client(
    state: &State,
    powers: Powers<'_>,
    action: &Action,
) -> Result<Option<Event>, Rejection> {
    use QuestionStatus::*;
    let role = powers;
    match action {
        Action::Ask {
            text,
            name,
            unit,
            anonymous,
            identity,
            topic,
            official,
        } => {
            let participant = attendee(powers)?;
            let identity = identity.unwrap_or(Identity::from_legacy(*anonymous));
            // A delegate is who the roster says: what they would type is
            // not asked for, and not taken.
            let (name, unit) = match state.delegate(participant) {
                Some(d) => (Some(d.name.clone()), d.unit.clone()),
                None => (name.clone(), unit.clone()),
            };
            let routing = asked_routing(state, *topic, official.as_deref())?;
            decide_ask(state, participant, text, &name, &unit, identity, routing)
        }
        Action::Vote { question, up } => {
            let participant = attendee(powers)?;
            if state.phase == Phase::Closed {
                return Err(Rejection::PhaseClosed(state.phase));
            }
            // Attendees cannot see pending or hidden questions, so for them
            // those do not exist.
            let q = state
                .questions
                .get(question)
                .filter(|q| q.is_public())
                .ok_or(Rejection::UnknownQuestion)?;
            let has = state
                .participant(participant)
                .is_some_and(|p| q.voters.contains(&p));
            if has == *up {
                return Ok(None);
            }
            if *up && q.status != Live {
                return Err(Rejection::InvalidTransition(q.status));
            }
            Ok(Some(Event::Voted {
                question: *question,
                up: *up,
            }))
        }
        Action::Approve { question } => transition(state, role, *question, &[Pending], Live),
        Action::SetScreen {
            up_next,
            votes,
            routing,
            blank,
        } => {
            sets_current(state, powers)?;
            let old = state.settings.screen;
            let screen = hoidap_protocol::ScreenSettings {
                up_next: up_next.unwrap_or(old.up_next),
                votes: votes.unwrap_or(old.votes),
                routing: routing.unwrap_or(old.routing),
                blank: blank.unwrap_or(old.blank),
            };
            Ok((screen != old).then(|| Event::SettingsSet {
                settings: Settings {
                    screen,
                    ..state.settings.clone()
                },
            }))
        }
        Action::Hide { question } => {
            transition(state, role, *question, &[Pending, Live, Answered], Hidden)
        }
        Action::Restore { question } => transition(state, role, *question, &[Hidden], Live),
        Action::MarkAnswered { question } => transition(state, role, *question, &[Live], Answered),
        Action::Reopen { question } => transition(state, role, *question, &[Answered], Live),
        Action::SetCurrent { question } => {
            sets_current(state, powers)?;
            let q = find(state, *question)?;
            if state.current == Some(*question) {
                return Ok(None);
            }
            if q.status != Live {
                return Err(Rejection::InvalidTransition(q.status));
            }
            Ok(Some(Event::CurrentSet {
                question: Some(*question),
            }))
        }
        Action::ClearCurrent {} => {
            sets_current(state, powers)?;
            Ok(state.current.map(|_| Event::CurrentSet { question: None }))
        }
        Action::Edit { question, text } => {
            moderator(role)?;
            let q = find(state, *question)?;
            let text = clean_text(text, state.settings.max_length as usize)?;
            Ok((text != q.text).then_some(Event::Edited {
                question: *question,
                text,
            }))
        }
        Action::UpdateSettings {
            pre_moderation,
            allow_anonymous,
            max_length,
            identities,
            chair_sets_current,
            asker_routes,
        } => {
            moderator(role)?;
            let identities = identity_levels(state, *allow_anonymous, identities.as_deref())?;
            let settings = Settings {
                pre_moderation: pre_moderation.unwrap_or(state.settings.pre_moderation),
                allow_anonymous: identities.iter().any(|i| i.hides_name_from_hall()),
                identities: Some(identities),
                max_length: max_length.unwrap_or(state.settings.max_length),
                chair_sets_current: chair_sets_current.unwrap_or(state.settings.chair_sets_current),
                // The organiser's alone (`AdminAction::SetSettings`).
                roster: state.settings.roster,
                asker_routes: asker_routes.unwrap_or(state.settings.asker_routes),
                screen: state.settings.screen,
                // The organiser's alone, like roster mode.
                retention_days: state.settings.retention_days,
                export_roles: state.settings.export_roles.clone(),
            };
            // Moderators must not be able to take back what the chair kept.
            if settings.chair_sets_current != state.settings.chair_sets_current
                && !powers.is_chair()
            {
                return Err(Rejection::Forbidden);
            }
            let settings = checked_settings(settings)?;
            Ok((settings != state.settings).then_some(Event::SettingsSet { settings }))
        }
        Action::SetPhase { phase } => {
            moderator(role)?;
            Ok((*phase != state.phase).then_some(Event::PhaseSet { phase: *phase }))
        }
        // Decided by `followup::decide`.
        Action::SetTopics { .. }
        | Action::Route { .. }
        | Action::AnswerInWriting { .. }
        | Action::ExtendDue { .. }
        | Action::Forward { .. }
        | Action::DraftAnswer { .. }
        | Action::PublishAnswer { .. }
        | Action::NotSatisfied { .. }
        | Action::Merge { .. }
        | Action::Unmerge { .. } => unreachable!("follow-up actions are decided before"),
    }
}

/// The topic and official an asker chose, where the event lets them
/// (otherwise ignored: older clients may send anything); without a chosen
/// official, the topic's default one.
fn asked_routing(
    state: &State,
    topic: Option<u32>,
    official: Option<&str>,
) -> Result<(Option<u32>, Option<crate::queue::StaffId>), Rejection> {
    if !state.settings.asker_routes {
        return Ok((None, None));
    }
    let topic = topic
        .map(|t| super::followup::topic(state, t))
        .transpose()?;
    let official = match official {
        Some(id) => Some(super::followup::official_id(state, id)?),
        None => topic.and_then(|t| t.official),
    };
    Ok((topic.map(|t| t.id), official))
}

fn decide_ask(
    state: &State,
    participant: &str,
    text: &str,
    name: &Option<String>,
    unit: &Option<String>,
    identity: Identity,
    (topic, official): (Option<u32>, Option<crate::queue::StaffId>),
) -> Result<Option<Event>, Rejection> {
    if state.phase != Phase::Open {
        return Err(Rejection::PhaseClosed(state.phase));
    }
    let quotas = state.quotas;
    if state.questions.len() as u64 >= u64::from(quotas.questions_per_event) {
        return Err(Rejection::EventFull(quotas.questions_per_event));
    }
    if state.settings.pre_moderation {
        let asker = state.participant(participant);
        let pending = asker.map_or(0, |p| state.pending_of(p));
        if pending >= quotas.pending_per_participant {
            return Err(Rejection::TooManyPending(pending));
        }
    }
    if !state.settings.identities().contains(&identity) {
        return Err(Rejection::AnonymousNotAllowed);
    }
    let text = clean_text(text, state.settings.max_length as usize)?;
    // What the asker chose not to show is not kept at all: a log, a backup
    // or an export cannot reveal a name that was never written.
    let name = match identity {
        Identity::Named | Identity::HiddenFromHall => clean_optional(name.as_deref(), MAX_NAME)?,
        Identity::UnitOnly | Identity::Anonymous => None,
    };
    let unit = match identity {
        Identity::Anonymous => None,
        _ => clean_optional(unit.as_deref(), MAX_UNIT)?,
    };
    let status = if state.settings.pre_moderation {
        QuestionStatus::Pending
    } else {
        QuestionStatus::Live
    };
    Ok(Some(Event::Asked {
        id: state.next_question_id(),
        text,
        name,
        unit,
        anonymous: identity.hides_name_from_hall(),
        identity: Some(identity),
        status,
        topic,
        official,
    }))
}

/// The identity levels after an update: `identities` replaces them;
/// the older `allow_anonymous` switch adds or removes the levels that hide
/// the name.
fn identity_levels(
    state: &State,
    allow_anonymous: Option<bool>,
    identities: Option<&[Identity]>,
) -> Result<Vec<Identity>, Rejection> {
    let mut levels = match (identities, allow_anonymous) {
        (Some(levels), _) => levels.to_vec(),
        (None, Some(false)) => {
            let mut levels = state.settings.identities();
            levels.retain(|i| !i.hides_name_from_hall());
            // Turning anonymity off leaves the asker at least their name.
            if levels.is_empty() {
                levels.push(Identity::Named);
            }
            levels
        }
        (None, Some(true)) if !state.settings.allow_anonymous => {
            let mut levels = state.settings.identities();
            levels.push(Identity::HiddenFromHall);
            levels
        }
        (None, _) => state.settings.identities(),
    };
    levels.sort();
    levels.dedup();
    if levels.is_empty() {
        return Err(Rejection::BadSetting(
            "identities must allow at least one level",
        ));
    }
    Ok(levels)
}

/// Settings as stored: identity levels sorted, at least one, the legacy
/// switch following them, a length in bounds.
pub(super) fn checked_settings(settings: Settings) -> Result<Settings, Rejection> {
    let mut levels = settings.identities();
    levels.sort();
    levels.dedup();
    if levels.is_empty() {
        return Err(Rejection::BadSetting(
            "identities must allow at least one level",
        ));
    }
    if !(1..=MAX_LENGTH_CEILING).contains(&settings.max_length) {
        return Err(Rejection::BadSetting("max_length must be 1..=2000"));
    }
    if settings
        .retention_days
        .is_some_and(|d| d > super::privacy::MAX_RETENTION_DAYS)
    {
        return Err(Rejection::BadSetting("retention_days must be 0..=3650"));
    }
    let export_roles = people::export_roles(&settings.export_roles)?;
    Ok(Settings {
        allow_anonymous: levels.iter().any(|i| i.hides_name_from_hall()),
        identities: Some(levels),
        export_roles,
        ..settings
    })
}

fn attendee(powers: Powers<'_>) -> Result<&str, Rejection> {
    match powers {
        Powers::Attendee(p) => Ok(p),
        Powers::Guest => Err(Rejection::CodeRequired),
        _ => Err(Rejection::Forbidden),
    }
}

fn moderator(powers: Powers<'_>) -> Result<(), Rejection> {
    if powers.moderates() {
        Ok(())
    } else {
        Err(Rejection::Forbidden)
    }
}

/// Moderators choose the current question unless the event keeps that to
/// the chair.
fn sets_current(state: &State, powers: Powers<'_>) -> Result<(), Rejection> {
    moderator(powers)?;
    if state.settings.chair_sets_current && !powers.is_chair() {
        return Err(Rejection::Forbidden);
    }
    Ok(())
}

fn find(state: &State, id: QuestionId) -> Result<&QuestionState, Rejection> {
    state.questions.get(&id).ok_or(Rejection::UnknownQuestion)
}

/// A moderator moving a question from one of `from` to `to`; already at `to`
/// is accepted as a no-op (two moderators clicking the same button).
fn transition(
    state: &State,
    role: Powers<'_>,
    question: QuestionId,
    from: &[QuestionStatus],
    to: QuestionStatus,
) -> Result<Option<Event>, Rejection> {
    moderator(role)?;
    let q = super::followup::open_question(state, question)?;
    if q.status == to {
        Ok(None)
    } else if from.contains(&q.status) {
        Ok(Some(Event::StatusSet {
            question,
            status: to,
            from: q.status,
        }))
    } else {
        Err(Rejection::InvalidTransition(q.status))
    }
}

/// Applies one log entry. Never fails: an entry in the log was decided valid
/// when it was written, so replay only has to redo its effect.
pub fn evolve(state: &mut State, entry: &Entry) {
    state.seq = entry.seq;
    state.last_at = state.last_at.max(entry.at);
    if let Some(req) = &entry.req {
        let question = match entry.event {
            Event::Asked { id, .. } => Some(id),
            _ => None,
        };
        state.record_request(
            &entry.by,
            req,
            Applied {
                seq: entry.seq,
                question,
            },
        );
    }
    match &entry.event {
        Event::Created { title, settings } => {
            state.title = title.clone();
            state.settings = normalised(settings);
        }
        Event::Asked {
            id,
            text,
            name,
            unit,
            anonymous,
            identity,
            status,
            topic,
            official,
        } => {
            let asker = entry.by.voter().map(|p| state.intern(&p));
            state.questions.insert(
                *id,
                QuestionState {
                    id: *id,
                    text: text.clone(),
                    original_text: None,
                    name: name.clone(),
                    unit: unit.clone(),
                    identity: identity.unwrap_or(Identity::from_legacy(*anonymous)),
                    status: *status,
                    asker,
                    created_at: entry.at,
                    asked_seq: entry.seq,
                    detached: false,
                    voters: Default::default(),
                    follow: crate::queue::Follow {
                        topic: *topic,
                        official: *official,
                        ..Default::default()
                    },
                },
            );
        }
        Event::Voted { question, up } => {
            let Some(p) = entry.by.voter() else {
                return;
            };
            let p = state.intern(&p);
            if let Some(q) = state.questions.get_mut(question) {
                if *up {
                    q.voters.insert(p);
                } else {
                    q.voters.remove(&p);
                }
            }
        }
        Event::StatusSet {
            question,
            status,
            from,
        } => {
            if *status == QuestionStatus::Answered
                && *from == QuestionStatus::Live
                && let Some(q) = state.questions.get_mut(question)
            {
                q.follow.history.push(crate::queue::StepState {
                    kind: hoidap_protocol::StepKind::AnsweredLive,
                    at: entry.at,
                    by: entry.by.clone(),
                    to: None,
                    due: None,
                    reason: None,
                });
            }
            state.set_status(*question, *status);
        }
        Event::Edited { question, text } => {
            if let Some(q) = state.questions.get_mut(question) {
                let previous = std::mem::replace(&mut q.text, text.clone());
                q.original_text.get_or_insert(previous);
            }
        }
        Event::CurrentSet { question } => state.current = *question,
        Event::SettingsSet { settings } => state.settings = normalised(settings),
        Event::PhaseSet { phase } => {
            state.phase = *phase;
            state.closed_at = (*phase == Phase::Closed).then_some(entry.at);
        }
        Event::Detached {
            questions,
            delegates,
            ..
        } => super::privacy::evolve_detached(state, questions, delegates),
        Event::TitleSet { title } => state.title = title.clone(),
        Event::Exported { .. } => {}
        other => {
            let _ = super::followup::evolve(state, &entry.by, entry.at, other)
                || people::evolve_staff(state, other)
                || super::roster::evolve_roster(state, entry.seq, other);
        }
    }
}

/// Settings from an old entry spell out the identity levels they meant.
fn normalised(settings: &Settings) -> Settings {
    Settings {
        identities: Some(settings.identities()),
        ..settings.clone()
    }
}
