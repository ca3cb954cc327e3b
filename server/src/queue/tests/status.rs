//! Status transitions, the current question, edits and ranking.

use super::*;
use crate::queue::view::{self, Audience};
use hoidap_protocol::ErrorCode;

// ---------------------------------------------------------------- status

#[test]
fn status_transitions() {
    use QuestionStatus::*;
    let bad = |s| Refused(Rejection::InvalidTransition(s));
    let mut state = created(settings(true, true, 500));
    check(
        &mut state,
        &[
            (p(0), ask("Hỏi"), Wrote),
            (mo(), Action::Restore { question: 1 }, bad(Pending)),
            (mo(), Action::MarkAnswered { question: 1 }, bad(Pending)),
            (mo(), Action::Reopen { question: 1 }, bad(Pending)),
            (mo(), Action::Approve { question: 1 }, Wrote),
            // Already where the action leads: a harmless double click.
            (mo(), Action::Approve { question: 1 }, Same),
            (mo(), Action::Restore { question: 1 }, Same),
            (mo(), Action::Reopen { question: 1 }, Same),
            (mo(), Action::MarkAnswered { question: 1 }, Wrote),
            (mo(), Action::MarkAnswered { question: 1 }, Same),
            (mo(), Action::Approve { question: 1 }, bad(Answered)),
            (mo(), Action::Restore { question: 1 }, bad(Answered)),
            (mo(), Action::Reopen { question: 1 }, Wrote),
            (mo(), Action::Reopen { question: 1 }, Same),
            (mo(), Action::Hide { question: 1 }, Wrote),
            (mo(), Action::Hide { question: 1 }, Same),
            (mo(), Action::Approve { question: 1 }, bad(Hidden)),
            (mo(), Action::MarkAnswered { question: 1 }, bad(Hidden)),
            (mo(), Action::Reopen { question: 1 }, bad(Hidden)),
            (mo(), Action::Restore { question: 1 }, Wrote),
            (mo(), Action::Restore { question: 1 }, Same),
            (p(0), ask("Hỏi nữa"), Wrote),
            (mo(), Action::Hide { question: 2 }, Wrote),
            (
                mo(),
                Action::Hide { question: 7 },
                Refused(Rejection::UnknownQuestion),
            ),
            (
                mo(),
                Action::Approve { question: 7 },
                Refused(Rejection::UnknownQuestion),
            ),
        ],
    );
    assert_eq!((status(&state, 1), status(&state, 2)), (Live, Hidden));
    assert_eq!(
        Rejection::InvalidTransition(Live).code(),
        ErrorCode::InvalidTransition
    );
}

#[test]
fn current_question_is_always_live() {
    let mut state = created(settings(true, true, 500));
    let unknown = Refused(Rejection::UnknownQuestion);
    check(
        &mut state,
        &[
            (mo(), Action::ClearCurrent {}, Same),
            (p(0), ask("Một"), Wrote),
            (p(0), ask("Hai"), Wrote),
            (
                mo(),
                Action::SetCurrent { question: 1 },
                Refused(Rejection::InvalidTransition(QuestionStatus::Pending)),
            ),
            (mo(), Action::SetCurrent { question: 5 }, unknown),
            (mo(), Action::Approve { question: 1 }, Wrote),
            (mo(), Action::Approve { question: 2 }, Wrote),
            (mo(), Action::SetCurrent { question: 1 }, Wrote),
            (mo(), Action::SetCurrent { question: 1 }, Same),
        ],
    );
    assert_eq!(state.current, Some(1));
    // Hiding another question leaves the current one alone.
    check(&mut state, &[(mo(), Action::Hide { question: 2 }, Wrote)]);
    assert_eq!(state.current, Some(1));
    check(&mut state, &[(mo(), Action::Hide { question: 1 }, Wrote)]);
    assert_eq!(state.current, None);
    check(
        &mut state,
        &[
            (mo(), Action::Restore { question: 1 }, Wrote),
            (mo(), Action::SetCurrent { question: 1 }, Wrote),
            (mo(), Action::MarkAnswered { question: 1 }, Wrote),
        ],
    );
    assert_eq!(state.current, None);
    check(
        &mut state,
        &[
            (
                mo(),
                Action::SetCurrent { question: 1 },
                Refused(Rejection::InvalidTransition(QuestionStatus::Answered)),
            ),
            (mo(), Action::Reopen { question: 1 }, Wrote),
            (mo(), Action::SetCurrent { question: 1 }, Wrote),
            (mo(), Action::ClearCurrent {}, Wrote),
            (mo(), Action::ClearCurrent {}, Same),
        ],
    );
    assert_eq!(state.current, None);
}

// ---------------------------------------------------------------- editing

#[test]
fn edit_keeps_the_first_original() {
    let mut state = open();
    let edit = |text: &str| Action::Edit {
        question: 1,
        text: text.into(),
    };
    check(
        &mut state,
        &[
            (p(0), ask("Luong thang 13?"), Wrote),
            (mo(), edit("  Luong thang 13?  "), Same),
            (mo(), edit("Lương tháng 13?"), Wrote),
            (mo(), edit("Lương tháng 13 năm nay?"), Wrote),
            (mo(), edit(""), Refused(Rejection::Text(TextError::Empty))),
            (
                mo(),
                Action::Edit {
                    question: 4,
                    text: "x".into(),
                },
                Refused(Rejection::UnknownQuestion),
            ),
        ],
    );
    let q = &state.questions[&1];
    assert_eq!(q.text, "Lương tháng 13 năm nay?");
    assert_eq!(q.original_text.as_deref(), Some("Luong thang 13?"));
    // Editing back to the original still remembers it.
    check(&mut state, &[(mo(), edit("Luong thang 13?"), Wrote)]);
    assert_eq!(
        state.questions[&1].original_text.as_deref(),
        Some("Luong thang 13?")
    );
}

// ---------------------------------------------------------------- ranking

#[test]
fn ranking_most_votes_then_oldest() {
    let mut state = open();
    let mut steps: Vec<(Principal, Action, Want)> = ["A", "B", "C", "D"]
        .into_iter()
        .map(|t| (p(9), ask(t), Wrote))
        .collect();
    for (voter, question) in [(0, 3), (1, 3), (0, 2), (1, 4), (2, 3)] {
        steps.push((p(voter), vote(question, true), Wrote));
    }
    check(&mut state, &steps);
    let order: Vec<QuestionId> = state.ranked().iter().map(|q| q.id).collect();
    assert_eq!(order, [3, 2, 4, 1]);
    let public = view::snapshot(&state, Audience::Public, "e", "ABC");
    let order: Vec<(QuestionId, u32)> = public.questions.iter().map(|q| (q.id, q.votes)).collect();
    assert_eq!(order, [(3, 3), (2, 1), (4, 1), (1, 0)]);

    // Creation time decides ties even against the id (a clock set back).
    let mut state = open();
    for (seq, at, text) in [(2, 5000, "later"), (3, 4000, "earlier")] {
        let event = Event::Asked {
            id: seq - 1,
            text: text.into(),
            name: None,
            unit: None,
            anonymous: false,
            identity: None,
            status: QuestionStatus::Live,
            topic: None,
            official: None,
        };
        evolve(
            &mut state,
            &Entry {
                seq,
                at,
                by: p(0),
                req: None,
                event,
            },
        );
    }
    let order: Vec<QuestionId> = state.ranked().iter().map(|q| q.id).collect();
    assert_eq!(order, [2, 1]);
}
