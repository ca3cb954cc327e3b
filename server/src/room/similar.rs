//! Suggestions to the panel: which earlier questions a new one probably
//! repeats (`hoidap-similar`). Only a suggestion: nothing merges without a
//! moderator, so the suggestions are not logged; they are derived from the
//! state, and rebuilt whenever the room's state is (a restart, a reload
//! after a failed commit).

use crate::queue::{Event, QuestionState, State};
use hoidap_protocol::{Change, Question, QuestionId, QuestionStatus};
use hoidap_similar::Index;
use std::collections::HashMap;

/// At most this many suggestions per question: the panel reads them at a
/// glance.
const SHOWN: usize = 3;

#[derive(Default)]
pub struct Similar {
    /// The questions a new one may repeat: neither hidden nor merged away.
    index: Index,
    /// Each question's suggestions, as found when it arrived.
    found: HashMap<QuestionId, Vec<QuestionId>>,
}

fn candidate(q: &QuestionState) -> bool {
    q.status != QuestionStatus::Hidden && q.follow.merged_into.is_none()
}

impl Similar {
    /// From a replayed state: every candidate indexed, and suggestions for
    /// the questions still waiting or live (the ones the panel may merge),
    /// each against the questions asked before it.
    pub fn build(state: &State) -> Similar {
        let mut similar = Similar::default();
        for q in state.questions.values() {
            let open = matches!(q.status, QuestionStatus::Pending | QuestionStatus::Live);
            if open && candidate(q) {
                similar.suggest(q.id, &q.text);
            }
            if candidate(q) {
                similar.index.insert(q.id, &q.text);
            }
        }
        similar
    }

    fn suggest(&mut self, id: QuestionId, text: &str) {
        let found: Vec<QuestionId> = self
            .index
            .similar(text, Some(id), SHOWN)
            .into_iter()
            .map(|m| m.id)
            .collect();
        if !found.is_empty() {
            self.found.insert(id, found);
        }
    }

    /// Follows an entry just applied to `state`.
    pub fn applied(&mut self, state: &State, event: &Event) {
        match event {
            Event::Asked { id, text, .. } => {
                self.suggest(*id, text);
                self.index.insert(*id, text);
            }
            Event::Edited { question, .. }
            | Event::StatusSet { question, .. }
            | Event::Merged { question, .. }
            | Event::Unmerged { question, .. } => match state.questions.get(question) {
                Some(q) if candidate(q) => self.index.insert(q.id, &q.text),
                _ => self.index.remove(*question),
            },
            _ => {}
        }
    }

    /// Adds the suggestions still worth showing to a panel view of `q`:
    /// not for a question merged away, nor pointing at a hidden or merged
    /// one.
    pub fn fill(&self, state: &State, q: &mut Question) {
        if q.follow.merged_into.is_some() {
            return;
        }
        let Some(found) = self.found.get(&q.id) else {
            return;
        };
        q.follow.similar = found
            .iter()
            .copied()
            .filter(|id| state.questions.get(id).is_some_and(candidate))
            .collect();
    }

    /// `fill` for every question in a batch of panel changes.
    pub fn fill_changes(&self, state: &State, changes: &mut [Change]) {
        for change in changes {
            if let Change::Question { question } = change {
                self.fill(state, question);
            }
        }
    }
}
