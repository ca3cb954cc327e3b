//! After the question: topics, routing to the official who answers (or to
//! an outside authority), written answers, "not satisfied", and merges.
//!
//! The lifecycle beside pending / live / hidden (see docs/protocol.md for
//! the diagram and who may make each move):
//!
//! ```text
//! live ──mark_answered──▶ answered ──not_satisfied──▶ not_satisfied
//! pending|live|answered|forwarded|not_satisfied ──answer_in_writing──▶ in_writing
//! pending|live|answered|in_writing|not_satisfied ──forward──▶ forwarded
//! in_writing|not_satisfied|forwarded ──publish_answer──▶ answered_in_writing
//! answered_in_writing ──not_satisfied──▶ not_satisfied
//! ```
//!
//! Every move is one entry naming its principal; the question keeps the
//! steps (`history`) so the panel sees who reassigned it, when and why.

use super::ids::StaffId;
use super::people::Powers;
use super::state::{ParticipantIndex, QuestionState};
use super::text::{clean_optional, clean_text};
use super::{Event, Principal, Rejection, State, due};
use hoidap_protocol::{Action, QuestionId, QuestionStatus, StaffRole, StepKind, TopicInput};
use serde::{Deserialize, Serialize};

/// Limits, in characters.
pub const MAX_TOPIC: usize = 120;
pub const MAX_TOPICS: usize = 50;
pub const MAX_AUTHORITY: usize = 200;
pub const MAX_REASON: usize = 500;
/// A written answer; with the rest of a frame it stays under the 16 KiB a
/// client message may be, whatever the script.
pub const MAX_ANSWER: usize = 4000;

/// A topic as the log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRecord {
    pub id: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub official: Option<StaffId>,
}

/// Who signs an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Signer {
    Official(StaffId),
    Authority(String),
}

/// Where a step sent the question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Official(StaffId),
    Authority(String),
    Question(QuestionId),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerState {
    pub id: u32,
    pub text: String,
    pub signer: Signer,
    /// Who wrote (or last rewrote) the text.
    pub writer: Principal,
    pub published: bool,
    pub at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepState {
    pub kind: StepKind,
    pub at: u64,
    pub by: Principal,
    pub to: Option<Target>,
    pub due: Option<String>,
    pub reason: Option<String>,
}

/// A question's follow-up, rebuilt from its entries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Follow {
    pub topic: Option<u32>,
    pub official: Option<StaffId>,
    pub authority: Option<String>,
    pub due: Option<String>,
    pub answers: Vec<AnswerState>,
    pub merged_into: Option<QuestionId>,
    pub merged: Vec<QuestionId>,
    /// The voters this question's merge added to the one it was merged
    /// into: an unmerge takes back exactly these (see `evolve`).
    pub merge_added: Vec<ParticipantIndex>,
    pub history: Vec<StepState>,
}

/// The follow-up commands; `None` when `action` is not one.
pub(super) fn decide(
    state: &State,
    at: u64,
    by: &Principal,
    powers: Powers<'_>,
    action: &Action,
) -> Option<Result<Option<Event>, Rejection>> {
    use QuestionStatus::*;
    Some(match action {
        Action::SetTopics { topics } => moderator(powers).and_then(|()| set_topics(state, topics)),
        Action::Route {
            question,
            topic,
            official,
            reason,
        } => moderator(powers).and_then(|()| route(state, *question, *topic, official, reason)),
        Action::AnswerInWriting {
            question,
            working_days,
            official,
        } => moderator(powers).and_then(|()| {
            let q = open_question(state, *question)?;
            from(q, &[Pending, Live, Answered, Forwarded, NotSatisfied])?;
            let official = match official {
                Some(id) => official_id(state, id)?,
                None => q.follow.official.ok_or(Rejection::NoOfficial)?,
            };
            Ok(Some(Event::InWriting {
                question: *question,
                official,
                due: due::due_after(at, days(*working_days)?),
                from: q.status,
            }))
        }),
        Action::ExtendDue {
            question,
            working_days,
            reason,
        } => moderator(powers).and_then(|()| {
            let q = open_question(state, *question)?;
            from(q, &[InWriting, NotSatisfied])?;
            let current = q
                .follow
                .due
                .as_deref()
                .ok_or(Rejection::InvalidTransition(q.status))?;
            let due = due::extend(current, days(*working_days)?)
                .ok_or(Rejection::InvalidTransition(q.status))?;
            Ok(Some(Event::DueExtended {
                question: *question,
                due,
                reason: required(reason, MAX_REASON)?,
            }))
        }),
        Action::Forward {
            question,
            authority,
            reason,
        } => moderator(powers).and_then(|()| {
            let q = open_question(state, *question)?;
            let authority = required(authority, MAX_AUTHORITY)?;
            if q.status == Forwarded && q.follow.authority.as_ref() == Some(&authority) {
                return Ok(None);
            }
            from(
                q,
                &[Pending, Live, Answered, InWriting, NotSatisfied, Forwarded],
            )?;
            Ok(Some(Event::Forwarded {
                question: *question,
                authority,
                reason: clean_optional(reason.as_deref(), MAX_REASON)?,
                from: q.status,
            }))
        }),
        Action::DraftAnswer {
            question,
            text,
            answer,
        } => draft(state, by, powers, *question, text, *answer),
        Action::PublishAnswer { question, answer } => {
            publish(state, by, powers, *question, *answer)
        }
        Action::NotSatisfied { question, reason } => {
            let q = match open_question(state, *question) {
                Ok(q) => q,
                Err(e) => return Some(Err(e)),
            };
            let asker = match powers {
                Powers::Attendee(key) => q.asker.is_some() && state.participant(key) == q.asker,
                _ => false,
            };
            if !asker && !powers.is_chair() {
                return Some(Err(Rejection::Forbidden));
            }
            from(q, &[Answered, AnsweredInWriting]).and_then(|()| {
                Ok(Some(Event::NotSatisfied {
                    question: *question,
                    reason: required(reason, MAX_REASON)?,
                    from: q.status,
                }))
            })
        }
        Action::Merge { question, into } => moderator(powers).and_then(|()| {
            let q = open_question(state, *question)?;
            let target = open_question(state, *into)?;
            // The current question is being answered: it is not merged
            // away under the speaker.
            if question == into || !q.follow.merged.is_empty() || state.current == Some(*question) {
                return Err(Rejection::InvalidTransition(q.status));
            }
            from(q, &[Pending, Live, Answered])?;
            if target.status == Hidden {
                return Err(Rejection::InvalidTransition(target.status));
            }
            Ok(Some(Event::Merged {
                question: *question,
                into: *into,
            }))
        }),
        Action::Unmerge { question } => moderator(powers).and_then(|()| {
            let q = state
                .questions
                .get(question)
                .ok_or(Rejection::UnknownQuestion)?;
            Ok(q.follow.merged_into.map(|into| Event::Unmerged {
                question: *question,
                from: into,
            }))
        }),
        _ => return None,
    })
}

fn moderator(powers: Powers<'_>) -> Result<(), Rejection> {
    if powers.moderates() {
        Ok(())
    } else {
        Err(Rejection::Forbidden)
    }
}

/// A question that exists and was not merged into another (a merged one
/// follows the question it was merged into).
pub(super) fn open_question(state: &State, id: QuestionId) -> Result<&QuestionState, Rejection> {
    let q = state.questions.get(&id).ok_or(Rejection::UnknownQuestion)?;
    match q.follow.merged_into {
        Some(_) => Err(Rejection::Merged),
        None => Ok(q),
    }
}

fn from(q: &QuestionState, allowed: &[QuestionStatus]) -> Result<(), Rejection> {
    if allowed.contains(&q.status) {
        Ok(())
    } else {
        Err(Rejection::InvalidTransition(q.status))
    }
}

fn days(n: u32) -> Result<u32, Rejection> {
    if (1..=due::MAX_WORKING_DAYS).contains(&n) {
        Ok(n)
    } else {
        Err(Rejection::BadSetting("working_days must be 1..=60"))
    }
}

fn required(text: &str, max: usize) -> Result<String, Rejection> {
    clean_optional(Some(text), max)?.ok_or(Rejection::Text(super::TextError::Empty))
}

/// An active official's staff id.
pub(super) fn official_id(state: &State, id: &str) -> Result<StaffId, Rejection> {
    let id: StaffId = id.parse().map_err(|()| Rejection::UnknownOfficial)?;
    match state.staff.get(&id) {
        Some(m) if m.active && m.role == StaffRole::Official => Ok(id),
        _ => Err(Rejection::UnknownOfficial),
    }
}

pub(super) fn topic(state: &State, id: u32) -> Result<&TopicRecord, Rejection> {
    state
        .topics
        .iter()
        .find(|t| t.id == id)
        .ok_or(Rejection::UnknownTopic)
}

pub(super) fn set_topics(state: &State, topics: &[TopicInput]) -> Result<Option<Event>, Rejection> {
    if topics.len() > MAX_TOPICS {
        return Err(Rejection::BadSetting("at most 50 topics"));
    }
    let mut next = state
        .topics
        .iter()
        .map(|t| t.id)
        .max()
        .unwrap_or(0)
        .max(state.last_topic);
    let mut records = Vec::with_capacity(topics.len());
    for t in topics {
        let id = match t.id {
            Some(id) => topic(state, id)?.id,
            None => {
                next += 1;
                next
            }
        };
        if records.iter().any(|r: &TopicRecord| r.id == id) {
            return Err(Rejection::BadSetting("a topic is listed twice"));
        }
        let official = t
            .official
            .as_deref()
            .map(|o| official_id(state, o))
            .transpose()?;
        records.push(TopicRecord {
            id,
            name: required(&t.name, MAX_TOPIC)?,
            official,
        });
    }
    Ok((records != state.topics).then_some(Event::TopicsSet { topics: records }))
}

fn route(
    state: &State,
    question: QuestionId,
    new_topic: Option<Option<u32>>,
    official: &Option<String>,
    reason: &Option<String>,
) -> Result<Option<Event>, Rejection> {
    let q = open_question(state, question)?;
    let topic_id = match new_topic {
        Some(Some(id)) => Some(topic(state, id)?.id),
        Some(None) => None,
        None => q.follow.topic,
    };
    let official = match official {
        Some(id) => Some(official_id(state, id)?),
        // A topic's default official takes a question nobody has yet.
        None => q
            .follow
            .official
            .or_else(|| topic_id.and_then(|t| topic(state, t).ok().and_then(|t| t.official))),
    };
    if topic_id == q.follow.topic && official == q.follow.official {
        return Ok(None);
    }
    Ok(Some(Event::Routed {
        question,
        topic: topic_id,
        official,
        reason: clean_optional(reason.as_deref(), MAX_REASON)?,
    }))
}

/// Who may write a draft: the panel's moderators, a clerk, or the official
/// the question is assigned to.
fn writes_answers(by: &Principal, powers: Powers<'_>, q: &QuestionState) -> bool {
    match powers {
        Powers::Panel(StaffRole::Clerk) => true,
        Powers::Panel(StaffRole::Official) => {
            matches!(by, Principal::Staff { id } if q.follow.official == Some(*id))
        }
        p => p.moderates(),
    }
}

fn draft(
    state: &State,
    by: &Principal,
    powers: Powers<'_>,
    question: QuestionId,
    text: &str,
    answer: Option<u32>,
) -> Result<Option<Event>, Rejection> {
    use QuestionStatus::*;
    let q = open_question(state, question)?;
    if !writes_answers(by, powers, q) {
        return Err(Rejection::Forbidden);
    }
    from(q, &[InWriting, NotSatisfied, Forwarded, AnsweredInWriting])?;
    let signer = match (&q.follow.authority, q.status, q.follow.official) {
        (Some(authority), Forwarded, _) => Signer::Authority(authority.clone()),
        (_, _, Some(official)) => Signer::Official(official),
        _ => return Err(Rejection::NoOfficial),
    };
    let text = clean_text(text, MAX_ANSWER)?;
    let id = match answer {
        Some(id) => match q.follow.answers.iter().find(|a| a.id == id) {
            Some(a) if a.published => return Err(Rejection::AnswerPublished),
            Some(a) if a.text == text => return Ok(None),
            Some(_) => id,
            None => return Err(Rejection::UnknownAnswer),
        },
        None => q.follow.answers.len() as u32 + 1,
    };
    Ok(Some(Event::AnswerDrafted {
        question,
        answer: id,
        text,
        signer,
    }))
}

fn publish(
    state: &State,
    by: &Principal,
    powers: Powers<'_>,
    question: QuestionId,
    answer: u32,
) -> Result<Option<Event>, Rejection> {
    let q = open_question(state, question)?;
    let a = q
        .follow
        .answers
        .iter()
        .find(|a| a.id == answer)
        .ok_or(Rejection::UnknownAnswer)?;
    // The official signs their own answers; the chair may publish any,
    // moderators what an outside authority sent.
    let may = match &a.signer {
        Signer::Official(id) => {
            powers.is_chair() || matches!(by, Principal::Staff { id: me } if me == id)
        }
        Signer::Authority(_) => powers.moderates(),
    };
    if !may {
        return Err(Rejection::Forbidden);
    }
    if a.published {
        return Ok(None);
    }
    Ok(Some(Event::AnswerPublished {
        question,
        answer,
        from: q.status,
    }))
}

/// Applies a follow-up entry; `false` if the event is not one.
pub(super) fn evolve(state: &mut State, by: &Principal, at: u64, event: &Event) -> bool {
    let step = |kind, to, due: Option<&String>, reason: Option<&String>| StepState {
        kind,
        at,
        by: by.clone(),
        to,
        due: due.cloned(),
        reason: reason.cloned(),
    };
    match event {
        Event::TopicsSet { topics } => {
            state.last_topic = topics.iter().map(|t| t.id).fold(state.last_topic, u32::max);
            state.topics = topics.clone();
        }
        Event::Routed {
            question,
            topic,
            official,
            reason,
        } => {
            if let Some(q) = state.questions.get_mut(question) {
                let to = (*official != q.follow.official)
                    .then_some(*official)
                    .flatten()
                    .map(Target::Official);
                q.follow.topic = *topic;
                q.follow.official = *official;
                q.follow
                    .history
                    .push(step(StepKind::Routed, to, None, reason.as_ref()));
            }
        }
        Event::InWriting {
            question,
            official,
            due,
            ..
        } => {
            if let Some(q) = state.questions.get_mut(question) {
                q.follow.official = Some(*official);
                q.follow.due = Some(due.clone());
                let to = Some(Target::Official(*official));
                q.follow
                    .history
                    .push(step(StepKind::InWriting, to, Some(due), None));
            }
            state.set_status(*question, QuestionStatus::InWriting);
        }
        Event::DueExtended {
            question,
            due,
            reason,
        } => {
            if let Some(q) = state.questions.get_mut(question) {
                q.follow.due = Some(due.clone());
                q.follow
                    .history
                    .push(step(StepKind::DueExtended, None, Some(due), Some(reason)));
            }
        }
        Event::Forwarded {
            question,
            authority,
            reason,
            ..
        } => {
            if let Some(q) = state.questions.get_mut(question) {
                q.follow.authority = Some(authority.clone());
                let to = Some(Target::Authority(authority.clone()));
                q.follow
                    .history
                    .push(step(StepKind::Forwarded, to, None, reason.as_ref()));
            }
            state.set_status(*question, QuestionStatus::Forwarded);
        }
        Event::AnswerDrafted {
            question,
            answer,
            text,
            signer,
        } => {
            if let Some(q) = state.questions.get_mut(question) {
                let written = AnswerState {
                    id: *answer,
                    text: text.clone(),
                    signer: signer.clone(),
                    writer: by.clone(),
                    published: false,
                    at,
                };
                match q.follow.answers.iter_mut().find(|a| a.id == *answer) {
                    Some(a) => *a = written,
                    None => q.follow.answers.push(written),
                }
            }
        }
        Event::AnswerPublished {
            question, answer, ..
        } => {
            if let Some(q) = state.questions.get_mut(question)
                && let Some(a) = q.follow.answers.iter_mut().find(|a| a.id == *answer)
            {
                a.published = true;
                a.at = at;
                q.follow
                    .history
                    .push(step(StepKind::AnsweredInWriting, None, None, None));
            }
            state.set_status(*question, QuestionStatus::AnsweredInWriting);
        }
        Event::NotSatisfied {
            question, reason, ..
        } => {
            if let Some(q) = state.questions.get_mut(question) {
                q.follow
                    .history
                    .push(step(StepKind::NotSatisfied, None, None, Some(reason)));
            }
            state.set_status(*question, QuestionStatus::NotSatisfied);
        }
        Event::Merged { question, into } => {
            merge(state, *question, *into);
            if let Some(q) = state.questions.get_mut(question) {
                let to = Some(Target::Question(*into));
                q.follow
                    .history
                    .push(step(StepKind::Merged, to, None, None));
            }
        }
        Event::Unmerged { question, from } => {
            unmerge(state, *question, *from);
            if let Some(q) = state.questions.get_mut(question) {
                q.follow
                    .history
                    .push(step(StepKind::Unmerged, None, None, None));
            }
        }
        _ => return false,
    }
    true
}

/// The question merged into counts every distinct voter of both: one
/// delegate (one voter key) still counts once. The merged question keeps
/// its own voters for an unmerge.
fn merge(state: &mut State, question: QuestionId, into: QuestionId) {
    let Some(voters) = state.questions.get(&question).map(|q| q.voters.clone()) else {
        return;
    };
    let mut added = Vec::new();
    if let Some(target) = state.questions.get_mut(&into) {
        for p in voters {
            if target.voters.insert(p) {
                added.push(p);
            }
        }
        target.follow.merged.push(question);
    }
    added.sort_unstable();
    if let Some(q) = state.questions.get_mut(&question) {
        q.follow.merged_into = Some(into);
        q.follow.merge_added = added;
    }
}

/// Takes back the votes the merge added. A voter who withdrew their vote
/// from the merged-into question meanwhile withdrew it from both.
fn unmerge(state: &mut State, question: QuestionId, from: QuestionId) {
    let Some(added) = state
        .questions
        .get_mut(&question)
        .map(|q| std::mem::take(&mut q.follow.merge_added))
    else {
        return;
    };
    let mut withdrawn = Vec::new();
    if let Some(target) = state.questions.get_mut(&from) {
        for p in &added {
            if !target.voters.remove(p) {
                withdrawn.push(*p);
            }
        }
        target.follow.merged.retain(|m| *m != question);
    }
    if let Some(q) = state.questions.get_mut(&question) {
        for p in withdrawn {
            q.voters.remove(&p);
        }
        q.follow.merged_into = None;
    }
}
