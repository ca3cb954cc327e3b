//! What each audience sees.

use super::*;
use crate::queue::view::{self, Audience};
use hoidap_protocol::Change;

// ---------------------------------------------------------------- views

#[test]
fn public_view_hides_pending_hidden_and_anonymous_askers() {
    let mut state = created(settings(true, true, 500));
    check(
        &mut state,
        &[
            (
                p(0),
                ask_as("Công khai", "Nguyễn Văn An", "Sở Nội vụ", false),
                Wrote,
            ),
            (
                p(1),
                ask_as("Ẩn danh", "Trần Thị Bình", "Sở Tài chính", true),
                Wrote,
            ),
            (p(2), ask("Chờ duyệt"), Wrote),
            (p(3), ask("Bị ẩn"), Wrote),
            (mo(), Action::Approve { question: 1 }, Wrote),
            (mo(), Action::Approve { question: 2 }, Wrote),
            (mo(), Action::Hide { question: 4 }, Wrote),
            (
                mo(),
                Action::Edit {
                    question: 1,
                    text: "Công khai (sửa)".into(),
                },
                Wrote,
            ),
        ],
    );
    let public = view::snapshot(&state, Audience::Public, "ep", "ABC123");
    assert_eq!(
        (public.seq, public.epoch.as_str(), public.join_code.as_str()),
        (9, "ep", "ABC123")
    );
    let ids: Vec<QuestionId> = public.questions.iter().map(|q| q.id).collect();
    assert_eq!(ids, [1, 2]);
    let named = &public.questions[0];
    assert_eq!(
        (named.name.as_deref(), named.unit.as_deref()),
        (Some("Nguyễn Văn An"), Some("Sở Nội vụ"))
    );
    assert_eq!(
        (named.asker.as_deref(), named.original_text.as_deref()),
        (None, None)
    );
    let anon = &public.questions[1];
    assert!(anon.anonymous);
    assert_eq!((&anon.name, &anon.unit, &anon.asker), (&None, &None, &None));
    let json = serde_json::to_string(&public).unwrap();
    for secret in [
        "Trần Thị Bình",
        "Sở Tài chính",
        "Chờ duyệt",
        "Bị ẩn",
        "\"p1\"",
    ] {
        assert!(!json.contains(secret), "{secret} leaked: {json}");
    }

    let moderator = view::snapshot(&state, Audience::Moderator, "ep", "ABC123");
    assert_eq!(moderator.questions.len(), 4);
    let anon = moderator.questions.iter().find(|q| q.id == 2).unwrap();
    assert_eq!(anon.name.as_deref(), Some("Trần Thị Bình"));
    assert_eq!(anon.unit.as_deref(), Some("Sở Tài chính"));
    assert_eq!(anon.asker.as_deref(), Some("p1"));
    let edited = moderator.questions.iter().find(|q| q.id == 1).unwrap();
    assert_eq!(edited.original_text.as_deref(), Some("Công khai"));
}

#[test]
fn mine_shows_the_askers_own_questions_and_votes() {
    let mut state = created(settings(true, true, 500));
    check(
        &mut state,
        &[
            (p(0), ask_as("Của tôi", "An", "Sở Y tế", true), Wrote),
            (p(1), ask("Của người khác"), Wrote),
            (mo(), Action::Approve { question: 2 }, Wrote),
            (p(0), vote(2, true), Wrote),
        ],
    );
    let (votes, questions) = view::mine(&state, "p0", "~none");
    assert_eq!(votes, [2]);
    assert_eq!(questions.len(), 1);
    let own = &questions[0];
    assert_eq!((own.id, own.status), (1, QuestionStatus::Pending));
    assert_eq!(
        (own.name.as_deref(), own.unit.as_deref()),
        (Some("An"), Some("Sở Y tế"))
    );
    assert_eq!(own.asker, None);
    assert_eq!(
        view::mine(&state, "p1", "~none")
            .1
            .iter()
            .map(|q| q.id)
            .collect::<Vec<_>>(),
        [2]
    );
    assert_eq!(
        view::mine(&state, "stranger", "~none"),
        (Vec::new(), Vec::new())
    );
}

#[test]
fn changes_per_audience() {
    let mut state = created(settings(true, true, 500));
    let entry = step(&mut state, &p(0), ask_as("Hỏi", "An", "", true))
        .unwrap()
        .unwrap();
    assert_eq!(
        view::changes(&state, &entry, Audience::Public),
        (Vec::new(), None)
    );
    let (changes, _) = view::changes(&state, &entry, Audience::Moderator);
    assert!(
        matches!(&changes[..], [Change::Question { question }] if question.asker.as_deref() == Some("p0"))
    );

    let entry = step(&mut state, &mo(), Action::Approve { question: 1 })
        .unwrap()
        .unwrap();
    let (changes, _) = view::changes(&state, &entry, Audience::Public);
    assert!(
        matches!(&changes[..], [Change::Question { question }, ..] if question.name.is_none() && question.asker.is_none())
    );

    let entry = step(&mut state, &p(1), vote(1, true)).unwrap().unwrap();
    assert_eq!(
        view::changes(&state, &entry, Audience::Public),
        (Vec::new(), Some((1, 1)))
    );

    step(&mut state, &mo(), Action::SetCurrent { question: 1 }).unwrap();
    let entry = step(&mut state, &mo(), Action::Hide { question: 1 })
        .unwrap()
        .unwrap();
    let (changes, _) = view::changes(&state, &entry, Audience::Public);
    assert_eq!(
        changes,
        [
            Change::Removed { id: 1 },
            Change::Current { question: None }
        ]
    );
    let entry = step(&mut state, &p(1), vote(1, false));
    assert_eq!(entry, Err(Rejection::UnknownQuestion));
}

#[test]
fn hiding_a_pending_question_tells_attendees_nothing() {
    let mut state = created(settings(true, true, 500));
    step(&mut state, &p(0), ask_as("Hỏi", "An", "", false)).unwrap();
    let entry = step(&mut state, &mo(), Action::Hide { question: 1 })
        .unwrap()
        .unwrap();
    assert_eq!(
        view::changes(&state, &entry, Audience::Public),
        (Vec::new(), None)
    );
    let (changes, _) = view::changes(&state, &entry, Audience::Moderator);
    assert!(matches!(&changes[..], [Change::Question { .. }]));
}
