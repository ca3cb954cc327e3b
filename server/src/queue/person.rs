//! Everything the event holds about one person: a delegate, or whoever
//! asked a given question (an open event knows its attendees only by the
//! pseudonym their phone holds). The organiser hands it over on request
//! (see docs/privacy.md); the export is logged like any other.
//!
//! A question asked anonymous to everyone is not in it: its asker is a
//! sealed pseudonym that no record links to the person, which is the
//! point of that level.

use super::privacy::Scope;
use super::view::{self, Audience};
use super::{Rejection, State};
use hoidap_protocol::{Question, QuestionId};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    /// The roster's record (roster events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delegate: Option<DelegateData>,
    /// Their questions, as the panel sees them (with their history and
    /// published answers).
    pub questions: Vec<Question>,
    /// The questions they upvote now (a withdrawn vote is not kept as a
    /// vote; the log keeps each vote and withdrawal as an entry).
    pub votes: Vec<Voted>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DelegateData {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// Times their card was used on a device.
    pub card_claims: u32,
    /// Times the organiser gave their card a new code.
    pub card_resets: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Voted {
    pub question: QuestionId,
    pub text: String,
}

/// What `scope` (one delegate, or the asker of one question) reaches.
pub fn person(state: &State, scope: Scope) -> Result<Person, Rejection> {
    let reached = super::privacy::reached(state, scope)?;
    let (delegate, key) = (reached.delegate, reached.key);
    let questions = state
        .questions
        .values()
        .filter(|q| reached.asked(q))
        .filter_map(|q| view::question(state, q, Audience::Moderator))
        .collect();
    let votes = match key {
        Some(k) => state
            .questions
            .values()
            .filter(|q| q.voters.contains(&k))
            .map(|q| Voted {
                question: q.id,
                text: q.text.clone(),
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(Person {
        delegate: delegate.map(|d| DelegateData {
            id: d.id.to_string(),
            name: d.name.clone(),
            unit: d.unit.clone(),
            position: d.position.clone(),
            card_claims: d.device.saturating_sub(d.code),
            card_resets: d.code,
        }),
        questions,
        votes,
    })
}
