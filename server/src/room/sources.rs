//! Where participants' votes come from: the moderators' warning that a
//! question's votes come mostly from one source address (one laptop
//! minting identities, or a whole hall behind one NAT: the moderators
//! know which).
//!
//! Personal data, kept to the minimum: the address each participant was
//! first seen from (its first connection since the server started), in
//! memory only, never logged, never sent. Moderators see one percentage
//! per question, not addresses. Votes cast before a restart have no known
//! source and count only in the total.

use crate::queue::view::Audience;
use crate::queue::{Entry, Event, FastMap, State};
use hoidap_protocol::{Change, QuestionId, VoteCount};
use std::net::IpAddr;

/// Below this many votes a share says nothing (3 of 4 from one address is
/// a table of colleagues on one phone hotspot).
const MIN_VOTES: u32 = 10;

#[derive(Default)]
pub struct Sources {
    first_seen: FastMap<String, IpAddr>,
    /// Per question, the votes of participants with a known source, by
    /// source: kept up to date vote by vote, so a share costs the number of
    /// addresses voting on the question, not of votes.
    by_question: FastMap<QuestionId, FastMap<IpAddr, u32>>,
}

impl Sources {
    /// A participant connected from `addr`; only its first address counts.
    pub fn seen(&mut self, participant: &str, addr: IpAddr) {
        if !self.first_seen.contains_key(participant) {
            let addr = crate::rate::source(addr);
            self.first_seen.insert(participant.to_owned(), addr);
        }
    }

    /// Follows an applied entry (votes only).
    pub fn applied(&mut self, entry: &Entry) {
        let Event::Voted { question, up } = entry.event else {
            return;
        };
        let Some(addr) = entry.by.voter().and_then(|p| self.first_seen.get(&*p)) else {
            return;
        };
        let counts = self.by_question.entry(question).or_default();
        let n = counts.entry(*addr).or_default();
        *n = if up { *n + 1 } else { n.saturating_sub(1) };
    }

    /// Recounts from the voters in `state` (after a reload).
    pub fn recount(&mut self, state: &State) {
        self.by_question.clear();
        for q in state.questions.values() {
            for &voter in &q.voters {
                if let Some(addr) = self.first_seen.get(state.participant_id(voter)) {
                    let counts = self.by_question.entry(q.id).or_default();
                    *counts.entry(*addr).or_default() += 1;
                }
            }
        }
    }

    /// The percentage of `votes` cast from the question's most common
    /// source, once there are enough votes to tell.
    pub fn share(&self, question: QuestionId, votes: u32) -> Option<u8> {
        if votes < MIN_VOTES {
            return None;
        }
        let top = self.by_question.get(&question)?.values().max().copied()?;
        Some((u64::from(top.min(votes)) * 100 / u64::from(votes)) as u8)
    }

    /// What `audience` learns of one entry, with the moderators' shares
    /// filled in (the public's stay empty).
    pub fn stage(
        &self,
        audience: Audience,
        mut changes: Vec<Change>,
        votes: Option<(QuestionId, u32)>,
    ) -> (Audience, Vec<Change>, Option<VoteCount>) {
        let moderators = audience == Audience::Moderator;
        let share = |id, votes| {
            if moderators {
                self.share(id, votes)
            } else {
                None
            }
        };
        if moderators {
            for change in &mut changes {
                if let Change::Question { question } = change {
                    question.votes_top_source_share = share(question.id, question.votes);
                }
            }
        }
        let votes = votes.map(|(id, votes)| VoteCount {
            id,
            votes,
            votes_top_source_share: share(id, votes),
        });
        (audience, changes, votes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::queue::Principal;

    fn vote(p: &str, up: bool) -> Entry {
        Entry {
            seq: 0,
            at: 0,
            by: Principal::participant(p),
            req: None,
            event: Event::Voted { question: 1, up },
        }
    }

    #[test]
    fn the_share_of_the_most_common_source() {
        let mut sources = Sources::default();
        let (a, b): (IpAddr, IpAddr) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        for i in 0..12 {
            let p = format!("p{i}");
            sources.seen(&p, if i < 9 { a } else { b });
            // A later connection from elsewhere does not move it.
            sources.seen(&p, b);
            sources.applied(&vote(&p, true));
        }
        assert_eq!(sources.share(1, 12), Some(75));
        // Two withdrawn from the first address; 2 more votes of unknown
        // source (cast before a restart) count in the total only.
        sources.applied(&vote("p0", false));
        sources.applied(&vote("p1", false));
        assert_eq!(sources.share(1, 12), Some(58));
        assert_eq!(sources.share(1, 9), None, "too few votes to tell");
        assert_eq!(sources.share(2, 30), None, "no vote of known source");
    }
}
