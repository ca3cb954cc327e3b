//! What each audience may see. Only this module decides it: attendees and
//! the screen (the public audience) never receive pending or hidden
//! questions, nor the name, unit or participant id behind an anonymous one.

use super::followup::{Signer, Target};
use super::state::QuestionState;
use super::{Entry, Event, Principal, State};
use hoidap_protocol::{
    Answer, Change, FollowUp, Identity, Official, Question, QuestionId, QuestionStatus, Snapshot,
    StaffRole, Step, Topic,
};

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
                follow: follow_view(state, q, Seen::Public),
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
        follow: follow_view(state, q, if with_asker { Seen::Panel } else { Seen::Asker }),
    }
}

/// Who looks at a question's follow-up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// Phones and the screen: published answers, no history.
    Public,
    /// The panel: drafts, who wrote them, every step and who made it.
    Panel,
    /// The asker in `mine`: published answers and the steps, without who
    /// on the staff made them.
    Asker,
}

fn follow_view(state: &State, q: &QuestionState, seen: Seen) -> FollowUp {
    let f = &q.follow;
    let panel = seen == Seen::Panel;
    let answers = f
        .answers
        .iter()
        .filter(|a| a.published || panel)
        .map(|a| Answer {
            id: a.id,
            text: a.text.clone(),
            signed_by: match &a.signer {
                Signer::Official(id) => staff_name(state, *id),
                Signer::Authority(name) => name.clone(),
            },
            published: a.published,
            at: a.at,
            written_by: panel.then(|| principal_name(state, &a.writer)),
        })
        .collect();
    let history = match seen {
        Seen::Public => Vec::new(),
        _ => f
            .history
            .iter()
            .map(|s| Step {
                kind: s.kind,
                at: s.at,
                by: panel.then(|| principal_name(state, &s.by)),
                to: s.to.as_ref().map(|t| match t {
                    Target::Official(id) => staff_name(state, *id),
                    Target::Authority(name) => name.clone(),
                    Target::Question(id) => format!("#{id}"),
                }),
                due: s.due.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
    };
    FollowUp {
        // A removed topic is no topic (its id is never reused).
        topic: f.topic.filter(|t| state.topics.iter().any(|x| x.id == *t)),
        official: f.official.map(|id| id.to_string()),
        authority: f.authority.clone(),
        due: f.due.clone(),
        answers,
        merged_into: f.merged_into.filter(|_| seen != Seen::Public),
        merged: if panel { f.merged.clone() } else { Vec::new() },
        history,
        // Not from the log: the room fills it in for the panel.
        similar: Vec::new(),
    }
}

fn staff_name(state: &State, id: crate::queue::StaffId) -> String {
    state
        .staff
        .get(&id)
        .map_or_else(|| id.to_string(), |m| m.name.clone())
}

/// How the panel's history names who made a move: a staff member by name;
/// `link` (the shared moderator link), `organiser`, `asker`.
fn principal_name(state: &State, by: &Principal) -> String {
    match by {
        Principal::Staff { id } => staff_name(state, *id),
        Principal::Link { .. } => "link".to_owned(),
        Principal::Admin {} => "organiser".to_owned(),
        Principal::Participant { .. } | Principal::Delegate { .. } | Principal::Sealed { .. } => {
            "asker".to_owned()
        }
    }
}

/// The officials questions may be addressed to: active staff with the role.
pub fn officials(state: &State) -> Vec<Official> {
    state
        .staff
        .values()
        .filter(|m| m.active && m.role == StaffRole::Official)
        .map(|m| Official {
            id: m.id.to_string(),
            name: m.name.clone(),
        })
        .collect()
}

pub fn topics(state: &State) -> Vec<Topic> {
    state
        .topics
        .iter()
        .map(|t| Topic {
            id: t.id,
            name: t.name.clone(),
            official: t.official.map(|id| id.to_string()),
        })
        .collect()
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
        topics: topics(state),
        officials: officials(state),
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
        Event::StatusSet { question, from, .. }
        | Event::InWriting { question, from, .. }
        | Event::Forwarded { question, from, .. }
        | Event::AnswerPublished { question, from, .. }
        | Event::NotSatisfied { question, from, .. } => {
            let mut changes = upsert(question);
            // Merged questions take no status moves: public before means
            // the audience holds it.
            if changes.is_empty() && from.is_public() {
                changes.push(Change::Removed { id: *question });
            }
            // Leaving live may have cleared the current question (`evolve`).
            if *from == QuestionStatus::Live && state.current.is_none() {
                changes.push(Change::Current { question: None });
            }
            (changes, None)
        }
        Event::Routed { question, .. } | Event::DueExtended { question, .. } => {
            (upsert(question), None)
        }
        // The questions as they are now: without the names.
        Event::Detached { questions, .. } => (questions.iter().flat_map(upsert).collect(), None),
        // A draft is the panel's.
        Event::AnswerDrafted { question, .. } => match audience {
            Audience::Moderator => (upsert(question), None),
            Audience::Public => (Vec::new(), None),
        },
        Event::Merged { question, into } => {
            let mut changes = upsert(question);
            let was_public = state
                .questions
                .get(question)
                .is_some_and(|q| q.status.is_public());
            if changes.is_empty() && was_public {
                changes.push(Change::Removed { id: *question });
            }
            changes.extend(upsert(into));
            (changes, None)
        }
        Event::Unmerged { question, from } => {
            let mut changes = upsert(question);
            changes.extend(upsert(from));
            (changes, None)
        }
        Event::TopicsSet { .. } => (
            vec![Change::Topics {
                topics: topics(state),
            }],
            None,
        ),
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
        // Who is on the staff reaches the panel through presence; the
        // officials, whom the hall addresses, everyone.
        Event::StaffAdded { .. }
        | Event::StaffChanged { .. }
        | Event::StaffRevoked { .. }
        | Event::StaffReissued { .. } => (
            vec![Change::Officials {
                officials: officials(state),
            }],
            None,
        ),
        // The roster is the organiser's; the panel sees its counts in
        // presence, a delegate learns who they are in `welcome`.
        Event::DelegatesAdded { .. }
        | Event::DelegateClaimed { .. }
        | Event::DelegateReset { .. } => (Vec::new(), None),
        // On the record only: nobody's view changes.
        Event::Exported { .. } => (Vec::new(), None),
    }
}
