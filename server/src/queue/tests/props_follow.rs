//! Property tests of the follow-up: random sessions with every new kind of
//! entry replay to the live state, keep the public views clean; merges
//! count the union of distinct voters and an unmerge takes back exactly
//! what the merge added.

use super::{created_entry, settings, step_req};
use crate::queue::view::{self, Audience};
use crate::queue::{AdminAction, Command, Entry, Op, Principal, State, decide, evolve};
use hoidap_protocol::{Action, QuestionId, QuestionStatus, StaffRole, TopicInput};
use proptest::prelude::*;
use std::collections::BTreeSet;

fn participant(n: u32) -> Principal {
    Principal::participant(format!("p{n}"))
}

fn official() -> Principal {
    Principal::Staff {
        id: crate::queue::StaffId(1),
    }
}

fn clerk() -> Principal {
    Principal::Staff {
        id: crate::queue::StaffId(2),
    }
}

fn actor() -> impl Strategy<Value = Principal> {
    prop_oneof![
        4 => (0u32..4).prop_map(participant),
        4 => Just(Principal::moderator_link()),
        2 => Just(official()),
        1 => Just(clerk()),
    ]
}

/// Mostly someone who may make the move, sometimes anyone.
fn command() -> impl Strategy<Value = (Principal, Action)> {
    (
        actor(),
        prop::bool::weighted(0.15),
        0u32..4,
        any::<bool>(),
        action(),
    )
        .prop_map(|(any, stray, n, coin, action)| {
            let by = match &action {
                _ if stray => any,
                Action::Ask { .. } | Action::Vote { .. } | Action::NotSatisfied { .. } => {
                    participant(n)
                }
                Action::DraftAnswer { .. } if coin => clerk(),
                Action::DraftAnswer { .. } | Action::PublishAnswer { .. } => official(),
                _ => Principal::moderator_link(),
            };
            (by, action)
        })
}

fn q() -> impl Strategy<Value = QuestionId> {
    1u64..=4
}

fn reason() -> impl Strategy<Value = String> {
    proptest::sample::select(vec!["Chưa rõ lộ trình", "", "Thiếu số liệu"]).prop_map(String::from)
}

fn action() -> impl Strategy<Value = Action> {
    let staff = || proptest::sample::select(vec![None, Some("s1"), Some("s2"), Some("s9")]);
    prop_oneof![
        3 => Just(Action::Ask {
            text: "Lộ trình tinh giản biên chế?".into(),
            name: Some("Nguyễn Văn An".into()),
            unit: None,
            anonymous: false,
            identity: None,
            topic: Some(1),
            official: Some("s1".into()),
        }),
        4 => (q(), any::<bool>()).prop_map(|(question, up)| Action::Vote { question, up }),
        2 => q().prop_map(|question| Action::Approve { question }),
        1 => q().prop_map(|question| Action::Hide { question }),
        1 => q().prop_map(|question| Action::Restore { question }),
        2 => q().prop_map(|question| Action::MarkAnswered { question }),
        1 => q().prop_map(|question| Action::SetCurrent { question }),
        2 => (q(), proptest::option::of(proptest::option::of(1u32..=3)), staff(), proptest::option::of(reason()))
            .prop_map(|(question, topic, official, reason)| Action::Route {
                question, topic, official: official.map(String::from), reason,
            }),
        2 => (q(), 0u32..=12, staff()).prop_map(|(question, working_days, official)| {
            Action::AnswerInWriting { question, working_days, official: official.map(String::from) }
        }),
        1 => (q(), 1u32..=5, reason()).prop_map(|(question, working_days, reason)| {
            Action::ExtendDue { question, working_days, reason }
        }),
        1 => (q(), proptest::sample::select(vec!["Bộ Nội vụ", "Sở Tài chính", " "]))
            .prop_map(|(question, authority)| Action::Forward {
                question, authority: authority.into(), reason: None,
            }),
        3 => (q(), proptest::option::of(1u32..=3)).prop_map(|(question, answer)| {
            Action::DraftAnswer { question, text: "Trả lời bằng văn bản".into(), answer }
        }),
        2 => (q(), 1u32..=3).prop_map(|(question, answer)| Action::PublishAnswer { question, answer }),
        2 => (q(), reason()).prop_map(|(question, reason)| Action::NotSatisfied { question, reason }),
        2 => (q(), q()).prop_map(|(question, into)| Action::Merge { question, into }),
        1 => q().prop_map(|question| Action::Unmerge { question }),
        1 => Just(Action::SetTopics { topics: vec![
            TopicInput { id: Some(1), name: "Bổ nhiệm".into(), official: None },
            TopicInput { id: None, name: "Luân chuyển".into(), official: Some("s1".into()) },
        ]}),
    ]
}

/// An event with an official (s1), a clerk (s2), one topic and two
/// questions; the entries that made it.
fn setup() -> (State, Vec<Entry>) {
    let mut state = State::default();
    let first = created_entry(crate::queue::Settings {
        asker_routes: true,
        ..settings(false, true, 500)
    });
    evolve(&mut state, &first);
    let mut entries = vec![first];
    let admin = [
        AdminAction::AddStaff {
            name: "Chủ tịch UBND tỉnh".into(),
            role: StaffRole::Official,
            secret_hash: "a".into(),
        },
        AdminAction::AddStaff {
            name: "Chuyên viên".into(),
            role: StaffRole::Clerk,
            secret_hash: "b".into(),
        },
        AdminAction::SetTopics {
            topics: vec![TopicInput {
                id: None,
                name: "Tổ chức bộ máy".into(),
                official: Some("s1".into()),
            }],
        },
    ];
    for action in admin {
        let seq = state.seq + 1;
        let command = Command {
            by: Principal::Admin {},
            at: super::at(seq),
            op: Op::Admin(action),
        };
        let event = decide(&state, &command).unwrap().unwrap();
        let entry = Entry {
            seq,
            at: command.at,
            by: command.by,
            req: None,
            event,
        };
        evolve(&mut state, &entry);
        entries.push(entry);
    }
    (state, entries)
}

fn check_views(state: &State) -> Result<(), TestCaseError> {
    if let Some(current) = state.current {
        prop_assert_eq!(state.questions[&current].status, QuestionStatus::Live);
    }
    let public = view::snapshot(state, Audience::Public, "e", "J");
    for shown in &public.questions {
        let real = &state.questions[&shown.id];
        prop_assert!(real.is_public(), "{:?} is not public", real);
        prop_assert!(
            shown
                .follow
                .answers
                .iter()
                .all(|a| a.published && a.written_by.is_none())
        );
        prop_assert!(shown.follow.history.is_empty() && shown.follow.merged.is_empty());
    }
    for q in state.questions.values() {
        if let Some(into) = q.follow.merged_into {
            prop_assert!(state.questions[&into].follow.merged.contains(&q.id));
            prop_assert!(state.questions[&into].follow.merged_into.is_none());
        }
        for m in &q.follow.merged {
            prop_assert_eq!(state.questions[m].follow.merged_into, Some(q.id));
        }
    }
    let moderator = view::snapshot(state, Audience::Moderator, "e", "J");
    prop_assert_eq!(moderator.questions.len(), state.questions.len());
    Ok(())
}

/// The model of one merge pair: who voted for question 1 and 2, and what
/// the merge added to 1.
#[derive(Debug, Default)]
struct Model {
    a: BTreeSet<u32>,
    b: BTreeSet<u32>,
    added: Option<BTreeSet<u32>>,
}

#[derive(Debug, Clone)]
enum Move {
    Vote(QuestionId, u32, bool),
    Merge,
    Unmerge,
}

fn moves() -> impl Strategy<Value = Vec<Move>> {
    let one = prop_oneof![
        6 => (1u64..=2, 0u32..6, any::<bool>()).prop_map(|(q, p, up)| Move::Vote(q, p, up)),
        1 => Just(Move::Merge),
        1 => Just(Move::Unmerge),
    ];
    prop::collection::vec(one, 0..60)
}

fn voters(state: &State, id: QuestionId) -> BTreeSet<u32> {
    (0..6)
        .filter(|n| {
            state
                .participant(&format!("p{n}"))
                .is_some_and(|p| state.questions[&id].voters.contains(&p))
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn follow_up_sessions_replay_to_the_live_state(
        commands in prop::collection::vec(command(), 20..150),
    ) {
        let (mut state, mut entries) = setup();
        for (i, (by, action)) in commands.into_iter().enumerate() {
            let before = state.clone();
            match step_req(&mut state, &by, action.clone(), Some(&format!("r{i}"))) {
                Ok(Some(entry)) => entries.push(entry),
                Ok(None) => prop_assert_eq!(&state, &before, "no-op {:?} {:?}", by, action),
                Err(e) => prop_assert_eq!(&state, &before, "refused {:?} {:?} ({})", by, action, e),
            }
            check_views(&state)?;
        }
        let mut replayed = State::default();
        for entry in &entries {
            let stored: Entry = serde_json::from_str(&serde_json::to_string(entry).unwrap()).unwrap();
            prop_assert_eq!(&stored, entry);
            evolve(&mut replayed, &stored);
        }
        prop_assert_eq!(&replayed, &state);
    }

    #[test]
    fn a_merge_counts_the_union_of_voters(moves in moves()) {
        let mut state = super::open();
        for text in ["Câu hỏi một", "Câu hỏi hai"] {
            step_req(&mut state, &participant(9), super::ask(text), None).unwrap();
        }
        let mut model = Model::default();
        for m in moves {
            let mo = Principal::moderator_link();
            let merged = match &m {
                Move::Vote(q, p, up) => {
                    let got = step_req(&mut state, &participant(*p), Action::Vote { question: *q, up: *up }, None);
                    let open = *q == 1 || model.added.is_none();
                    prop_assert_eq!(got.is_ok(), open, "{:?}", m);
                    if open {
                        let set = if *q == 1 { &mut model.a } else { &mut model.b };
                        if *up { set.insert(*p); } else { set.remove(p); }
                    }
                    model.added.is_some()
                }
                Move::Merge => {
                    let got = step_req(&mut state, &mo, Action::Merge { question: 2, into: 1 }, None);
                    if model.added.is_none() {
                        prop_assert!(matches!(got, Ok(Some(_))));
                        let added: BTreeSet<u32> = model.b.difference(&model.a).copied().collect();
                        model.a.extend(added.iter().copied());
                        model.added = Some(added);
                        // The spec itself: the union of distinct voters.
                        prop_assert_eq!(state.questions[&1].votes() as usize, model.a.len());
                    }
                    true
                }
                Move::Unmerge => {
                    step_req(&mut state, &mo, Action::Unmerge { question: 2 }, None).unwrap();
                    if let Some(added) = model.added.take() {
                        for p in added {
                            if !model.a.remove(&p) {
                                model.b.remove(&p);
                            }
                        }
                    }
                    false
                }
            };
            prop_assert_eq!(state.questions[&2].follow.merged_into.is_some(), merged);
            prop_assert_eq!(voters(&state, 1), model.a.clone());
            prop_assert_eq!(voters(&state, 2), model.b.clone());
        }
    }
}
