//! What each audience may see. Only this module decides it: attendees and
//! the screen (the public audience) never receive pending or hidden
//! questions, nor the name, unit or participant id behind an anonymous one.

use super::state::QuestionState;
use super::{Entry, Event, State};
use hoidap_protocol::{Change, Identity, Question, QuestionId, QuestionStatus, Snapshot};

/// The two serialisations every update is made in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Attendees and the screen.
    Public,
    Moderator,
}

impl Audience {
    pub const ALL: [Audience; 2] = [Audience::Public, Audience::Moderator];
}

/// The question as `audience` sees it; `None` when it may not see it.
pub fn question(state: &State, q: &QuestionState, audience: Audience) -> Option<Question> {
    match audience {
        Audience::Public if !q.is_public() => None,
        Audience::Public => {
            let (name, unit) = match q.identity {
                Identity::Named => (q.name.clone(), q.unit.clone()),
                Identity::UnitOnly => (None, q.unit.clone()),
                Identity::HiddenFromHall | Identity::Anonymous => (None, None),
            };
            Some(Question {
                id: q.id,
                text: q.text.clone(),
                name,
                unit,
                anonymous: q.identity.hides_name_from_hall(),
                identity: q.identity,
                status: q.status,
                votes: q.votes(),
                created_at: q.created_at,
                original_text: None,
                asker: None,
                votes_top_source_share: None,
            })
        }
        Audience::Moderator => Some(own_view(state, q, true)),
    }
}

/// The question as its asker sees it in `mine`: their own name, never the
/// original text; `with_asker` adds the participant id (moderators), except
/// for a question anonymous to everyone, which no staff view links to its
/// asker (its name and unit were never kept).
pub fn own_view(state: &State, q: &QuestionState, with_asker: bool) -> Question {
    let with_asker = with_asker && q.identity != Identity::Anonymous;
    Question {
        id: q.id,
        text: q.text.clone(),
        name: q.name.clone(),
        unit: q.unit.clone(),
        anonymous: q.identity.hides_name_from_hall(),
        identity: q.identity,
        status: q.status,
        votes: q.votes(),
        created_at: q.created_at,
        original_text: if with_asker {
            q.original_text.clone()
        } else {
            None
        },
        asker: q
            .asker
            .filter(|_| with_asker)
            .map(|p| state.participant_id(p).to_owned()),
        // Not from the log: the room fills it in for moderators.
        votes_top_source_share: None,
    }
}

pub fn snapshot(state: &State, audience: Audience, epoch: &str, join_code: &str) -> Snapshot {
    Snapshot {
        epoch: epoch.to_owned(),
        seq: state.seq,
        title: state.title.clone(),
        join_code: join_code.to_owned(),
        settings: state.settings.clone(),
        phase: state.phase,
        current: state.current,
        questions: state
            .ranked()
            .into_iter()
            .filter_map(|q| question(state, q, audience))
            .collect(),
    }
}

/// A participant's own votes and questions (all statuses), those asked
/// anonymous to everyone under their `pseudonym` included.
pub fn mine(state: &State, participant: &str, pseudonym: &str) -> (Vec<QuestionId>, Vec<Question>) {
    let p = state.participant(participant);
    let sealed = state.participant(pseudonym);
    let votes = state
        .questions
        .values()
        .filter(|q| p.is_some_and(|p| q.voters.contains(&p)))
        .map(|q| q.id)
        .collect();
    let questions = state
        .questions
        .values()
        .filter(|q| q.asker.is_some() && (q.asker == p || q.asker == sealed))
        .map(|q| own_view(state, q, false))
        .collect();
    (votes, questions)
}

/// What one entry changed for `audience`, read from the state after the
/// entry was applied. Vote counts are returned separately so the room can
/// coalesce them: `Some((question, count))` when this audience may see them.
pub fn changes(
    state: &State,
    entry: &Entry,
    audience: Audience,
) -> (Vec<Change>, Option<(QuestionId, u32)>) {
    let upsert = |id: &QuestionId| -> Vec<Change> {
        let Some(q) = state.questions.get(id) else {
            return Vec::new();
        };
        match question(state, q, audience) {
            Some(question) => vec![Change::Question { question }],
            None => Vec::new(),
        }
    };
    match &entry.event {
        Event::Created { .. } => (Vec::new(), None),
        Event::Asked { id, .. } | Event::Edited { question: id, .. } => (upsert(id), None),
        Event::StatusSet { question, from, .. } => {
            let mut changes = upsert(question);
            let was_public = matches!(from, QuestionStatus::Live | QuestionStatus::Answered);
            if changes.is_empty() && was_public {
                changes.push(Change::Removed { id: *question });
            }
            // Leaving live may have cleared the current question (`evolve`).
            if *from == QuestionStatus::Live && state.current.is_none() {
                changes.push(Change::Current { question: None });
            }
            (changes, None)
        }
        Event::Voted { question, .. } => {
            let votes = state
                .questions
                .get(question)
                .filter(|q| audience == Audience::Moderator || q.is_public())
                .map(|q| (q.id, q.votes()));
            (Vec::new(), votes)
        }
        Event::CurrentSet { question } => (
            vec![Change::Current {
                question: *question,
            }],
            None,
        ),
        // From the state: it spells out the identity levels.
        Event::SettingsSet { .. } => (
            vec![Change::Settings {
                settings: state.settings.clone(),
            }],
            None,
        ),
        Event::PhaseSet { phase } => (vec![Change::Phase { phase: *phase }], None),
        Event::TitleSet { title } => (
            vec![Change::Title {
                title: title.clone(),
            }],
            None,
        ),
        // Who is on the staff reaches the panel through presence.
        Event::StaffAdded { .. }
        | Event::StaffChanged { .. }
        | Event::StaffRevoked { .. }
        | Event::StaffReissued { .. } => (Vec::new(), None),
        // The roster is the organiser's; the panel sees its counts in
        // presence, a delegate learns who they are in `welcome`.
        Event::DelegatesAdded { .. }
        | Event::DelegateClaimed { .. }
        | Event::DelegateReset { .. } => (Vec::new(), None),
    }
}
