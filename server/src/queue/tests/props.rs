//! Property tests: random command sequences from a few participants, a
//! moderator and a screen, checked after every step.

use super::{created_entry, step_req};
use crate::queue::view::{self, Audience};
use crate::queue::{Applied, Entry, Event, Principal, State, evolve};
use hoidap_protocol::{
    Action, Change, Phase, Question, QuestionId, QuestionStatus, Role, Settings,
};
use proptest::prelude::*;
use std::collections::BTreeMap;

const VALID: &[&str] = &[
    "Công tác đánh giá, xếp loại cán bộ năm nay có gì mới?",
    "đa\u{301}nh gia\u{301}",
    "  Lương tháng 13?  ",
    "Dòng 1\r\nDòng 2\tcó tab",
];
const INVALID: &[&str] = &["", "   \n ", "abc\u{202E}fdp", "a\u{7}b"];

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::sample::select(VALID).prop_map(String::from),
        2 => proptest::sample::select(INVALID).prop_map(String::from),
        1 => (1usize..=3).prop_map(|k| "ệ".repeat(k * 150)),
        1 => Just("x".repeat(2001)),
    ]
}

fn field() -> impl Strategy<Value = Option<String>> {
    let valid = proptest::sample::select(vec![None, Some("Nguyễn Văn An"), Some("Sở Nội vụ")]);
    let odd = proptest::sample::select(vec![Some(""), Some("a\nb"), Some("x\u{2066}")]);
    prop_oneof![10 => valid, 1 => odd].prop_map(|f| f.map(String::from))
}

/// Mostly the role an action is meant for, sometimes anyone at all.
fn command() -> impl Strategy<Value = (Principal, Action)> {
    (0u32..5, any_actor(), prop::bool::weighted(0.1), action()).prop_map(
        |(n, any, stray, action)| {
            let actor = if stray {
                any
            } else if matches!(action, Action::Ask { .. } | Action::Vote { .. }) {
                Principal::participant(format!("p{n}"))
            } else {
                Principal::moderator_link()
            };
            (actor, action)
        },
    )
}

fn any_actor() -> impl Strategy<Value = Principal> {
    prop_oneof![
        5 => (0u32..5).prop_map(|n| Principal::participant(format!("p{n}"))),
        3 => Just(Principal::moderator_link()),
        2 => Just(Principal::Link { role: Role::Screen }),
    ]
}

fn phase() -> impl Strategy<Value = Phase> {
    prop_oneof![3 => Just(Phase::Open), 1 => Just(Phase::VotingOnly), 1 => Just(Phase::Closed)]
}

fn max_length() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => proptest::sample::select(vec![300u32, 500, 2000]),
        1 => proptest::sample::select(vec![0u32, 1, 2001]),
    ]
}

/// Mostly questions that exist by then.
fn question_id() -> impl Strategy<Value = QuestionId> {
    prop_oneof![4 => 1u64..=3, 1 => 1u64..=8]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        6 => (text(), field(), field(), prop::bool::weighted(0.3))
            .prop_map(|(text, name, unit, anonymous)| Action::Ask { text, name, unit, anonymous, identity: None, topic: None, official: None }),
        6 => (question_id(), prop::bool::weighted(0.7)).prop_map(|(question, up)| Action::Vote { question, up }),
        4 => question_id().prop_map(|question| Action::Approve { question }),
        1 => question_id().prop_map(|question| Action::Hide { question }),
        1 => question_id().prop_map(|question| Action::Restore { question }),
        1 => question_id().prop_map(|question| Action::MarkAnswered { question }),
        1 => question_id().prop_map(|question| Action::Reopen { question }),
        2 => question_id().prop_map(|question| Action::SetCurrent { question }),
        1 => Just(Action::ClearCurrent {}),
        1 => (question_id(), text()).prop_map(|(question, text)| Action::Edit { question, text }),
        1 => (any::<Option<bool>>(), any::<Option<bool>>(), proptest::option::of(max_length())).prop_map(
            |(pre_moderation, allow_anonymous, max_length)| Action::UpdateSettings {
                pre_moderation,
                allow_anonymous,
                max_length,
                chair_sets_current: None,
                identities: None,
                asker_routes: None,
            }
        ),
        1 => phase().prop_map(|phase| Action::SetPhase { phase }),
    ]
}

fn initial_settings() -> impl Strategy<Value = Settings> {
    (
        prop::bool::weighted(0.3),
        any::<bool>(),
        proptest::sample::select(vec![300u32, 500, 2000]),
    )
        .prop_map(|(pre_moderation, allow_anonymous, max_length)| Settings {
            pre_moderation,
            allow_anonymous,
            max_length,
            identities: None,
            chair_sets_current: false,
            roster: false,
            asker_routes: false,
            screen: Default::default(),
            retention_days: None,
            export_roles: Vec::new(),
        })
}

/// Whether `q`, as shown to the public, could reveal something it must not.
fn public_leak(state: &State, q: &Question) -> Option<String> {
    let Some(real) = state.questions.get(&q.id) else {
        return Some(format!("question {} does not exist", q.id));
    };
    if !real.is_public() || q.status != real.status {
        return Some(format!("question {} is {:?}", q.id, real.status));
    }
    if q.asker.is_some() || q.original_text.is_some() {
        return Some(format!("question {} shows moderator fields", q.id));
    }
    let hidden = real.identity.hides_name_from_hall();
    if q.anonymous != hidden || q.identity != real.identity || (hidden && q.name.is_some()) {
        return Some(format!("anonymous question {} shows its asker", q.id));
    }
    None
}

/// Each participant's last `Voted` per question, read from the log alone.
fn last_votes(entries: &[Entry]) -> BTreeMap<(QuestionId, String), bool> {
    let mut last = BTreeMap::new();
    for entry in entries {
        if let (Event::Voted { question, up }, Some(p)) = (&entry.event, entry.by.voter()) {
            last.insert((*question, p.into_owned()), *up);
        }
    }
    last
}

fn check_step(state: &State, entry: Option<&Entry>) -> Result<(), TestCaseError> {
    if let Some(current) = state.current {
        let status = state.questions.get(&current).map(|q| q.status);
        prop_assert_eq!(
            status,
            Some(QuestionStatus::Live),
            "current {} is not live",
            current
        );
    }
    let public = view::snapshot(state, Audience::Public, "e", "J");
    for q in &public.questions {
        prop_assert!(
            public_leak(state, q).is_none(),
            "{:?}: {:?}",
            public_leak(state, q),
            q
        );
    }
    let shown = state.questions.values().filter(|q| q.is_public()).count();
    prop_assert_eq!(public.questions.len(), shown);
    let moderator = view::snapshot(state, Audience::Moderator, "e", "J");
    prop_assert_eq!(moderator.questions.len(), state.questions.len());

    let Some(entry) = entry else { return Ok(()) };
    let (changes, votes) = view::changes(state, entry, Audience::Public);
    for change in &changes {
        if let Change::Question { question } = change {
            prop_assert!(
                public_leak(state, question).is_none(),
                "{:?}: {:?}",
                entry,
                change
            );
        }
    }
    if let Some((id, count)) = votes {
        prop_assert!(
            state.questions[&id].is_public(),
            "public vote count of hidden {}",
            id
        );
        prop_assert_eq!(count, state.questions[&id].votes());
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sessions_keep_the_invariants(
        settings in initial_settings(),
        seed in prop::collection::vec((0u32..5, proptest::sample::select(VALID)), 0..6),
        commands in prop::collection::vec(command(), 0..100),
    ) {
        // A few questions first, so that later commands mostly find one.
        let asks = seed.into_iter().map(|(n, text)| {
            let ask = Action::Ask { text: text.into(), name: None, unit: None, anonymous: false, identity: None, topic: None, official: None };
            (Principal::participant(format!("p{n}")), ask)
        });
        let first = created_entry(settings);
        let mut state = State::default();
        evolve(&mut state, &first);
        let mut entries = vec![first];

        for (i, (actor, action)) in asks.chain(commands).enumerate() {
            let before = state.clone();
            let req = format!("r{i}");
            match step_req(&mut state, &actor, action.clone(), Some(&req)) {
                Ok(Some(entry)) => {
                    prop_assert_eq!(entry.seq, before.seq + 1);
                    // A retry of this request would find where it went.
                    let question = match entry.event {
                        Event::Asked { id, .. } => Some(id),
                        _ => None,
                    };
                    prop_assert_eq!(state.applied(&actor, &req), Some(Applied { seq: entry.seq, question }));
                    check_step(&state, Some(&entry))?;
                    entries.push(entry);
                }
                Ok(None) => prop_assert_eq!(&state, &before, "no-op {:?} {:?} changed the state", actor, action),
                Err(e) => prop_assert_eq!(&state, &before, "refused {:?} {:?} ({}) changed the state", actor, action, e),
            }
            prop_assert_eq!(state.seq, entries.len() as u64);
            check_step(&state, None)?;
        }

        // Replaying the log, as stored (JSON), rebuilds the same state.
        let mut replayed = State::default();
        for entry in &entries {
            let json = serde_json::to_string(entry).unwrap();
            let stored: Entry = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&stored, entry);
            evolve(&mut replayed, &stored);
        }
        prop_assert_eq!(&replayed, &state);

        // Vote counts are the distinct participants whose last vote was up.
        let last = last_votes(&entries);
        for q in state.questions.values() {
            let want = last.iter().filter(|((id, _), up)| *id == q.id && **up).count();
            prop_assert_eq!(q.votes() as usize, want, "question {}", q.id);
        }
        // And each participant's `mine` agrees with the log.
        for n in 0..5 {
            let p = format!("p{n}");
            let (votes, questions) = view::mine(&state, &p, "~none");
            let want: Vec<QuestionId> =
                last.iter().filter(|((_, who), up)| *who == p && **up).map(|((id, _), _)| *id).collect();
            prop_assert_eq!(votes, want);
            let asked = entries
                .iter()
                .filter(|e| matches!(e.event, Event::Asked { .. }) && e.by.voter().as_deref() == Some(p.as_str()))
                .count();
            prop_assert_eq!(questions.len(), asked);
        }
    }
}
