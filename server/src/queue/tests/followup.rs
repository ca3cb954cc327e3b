//! The follow-up lifecycle: each move allowed and refused, by role;
//! routing and its history; written answers; not satisfied; merges.

use super::*;
use hoidap_protocol::{StaffRole, StepKind, TopicInput};

/// An open event with a chair, a moderator, two officials, a clerk, an
/// observer and one live question (1) asked by p1.
struct Hall {
    state: State,
    chair: Principal,
    moderator: Principal,
    official: Principal,
    other_official: Principal,
    clerk: Principal,
    observer: Principal,
}

fn staff(state: &mut State, name: &str, role: StaffRole) -> Principal {
    let action = AdminAction::AddStaff {
        name: name.into(),
        role,
        secret_hash: format!("hash-of-{name}"),
    };
    let entry = op_as(state, Principal::Admin {}, Op::Admin(action))
        .unwrap()
        .unwrap();
    let Event::StaffAdded { id, .. } = entry.event else {
        panic!("not a staff entry")
    };
    Principal::Staff { id }
}

fn hall() -> Hall {
    let mut state = open();
    let chair = staff(&mut state, "Chủ tọa Lan", StaffRole::Chair);
    let moderator = staff(&mut state, "Thư ký Bình", StaffRole::Moderator);
    let official = staff(&mut state, "Chủ tịch UBND tỉnh", StaffRole::Official);
    let other_official = staff(&mut state, "Trưởng Ban Tổ chức", StaffRole::Official);
    let clerk = staff(&mut state, "Chuyên viên Hà", StaffRole::Clerk);
    let observer = staff(&mut state, "Quan sát viên", StaffRole::Observer);
    run(&mut state, &p(1), ask("Khi nào tinh giản biên chế xong?")).unwrap();
    Hall {
        state,
        chair,
        moderator,
        official,
        other_official,
        clerk,
        observer,
    }
}

fn sid(p: &Principal) -> String {
    match p {
        Principal::Staff { id } => id.to_string(),
        _ => panic!("not staff"),
    }
}

fn route_to(official: &Principal, reason: Option<&str>) -> Action {
    Action::Route {
        question: 1,
        topic: None,
        official: Some(sid(official)),
        reason: reason.map(String::from),
    }
}

fn in_writing(days: u32) -> Action {
    Action::AnswerInWriting {
        question: 1,
        working_days: days,
        official: None,
    }
}

fn draft(text: &str, answer: Option<u32>) -> Action {
    Action::DraftAnswer {
        question: 1,
        text: text.into(),
        answer,
    }
}

fn publish(answer: u32) -> Action {
    Action::PublishAnswer {
        question: 1,
        answer,
    }
}

fn not_satisfied(reason: &str) -> Action {
    Action::NotSatisfied {
        question: 1,
        reason: reason.into(),
    }
}

#[test]
fn routing_is_the_panels_and_keeps_who_when_and_why() {
    let mut h = hall();
    let (o, o2) = (h.official.clone(), h.other_official.clone());
    check(
        &mut h.state,
        &[
            (p(1), route_to(&o, None), Refused(Rejection::Forbidden)),
            (
                h.observer.clone(),
                route_to(&o, None),
                Refused(Rejection::Forbidden),
            ),
            (o.clone(), route_to(&o, None), Refused(Rejection::Forbidden)),
            (
                h.clerk.clone(),
                route_to(&o, None),
                Refused(Rejection::Forbidden),
            ),
            // Only an active official takes questions.
            (
                h.moderator.clone(),
                route_to(&h.clerk.clone(), None),
                Refused(Rejection::UnknownOfficial),
            ),
            (h.moderator.clone(), route_to(&o, None), Wrote),
            (h.moderator.clone(), route_to(&o, None), Same),
            (
                h.chair.clone(),
                route_to(&o2, Some("Thuộc lĩnh vực tổ chức")),
                Wrote,
            ),
        ],
    );
    let q = &h.state.questions[&1];
    assert_eq!(q.follow.official, Some(StaffId(4)));
    let steps: Vec<_> = q
        .follow
        .history
        .iter()
        .map(|s| (s.kind, s.by.clone(), s.reason.clone()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (StepKind::Routed, h.moderator.clone(), None),
            (
                StepKind::Routed,
                h.chair.clone(),
                Some("Thuộc lĩnh vực tổ chức".into())
            ),
        ]
    );
    // The panel's view names who moved it and to whom.
    let seen = view::question(&h.state, q, view::Audience::Moderator).unwrap();
    assert_eq!(seen.follow.history[1].by.as_deref(), Some("Chủ tọa Lan"));
    assert_eq!(
        seen.follow.history[1].to.as_deref(),
        Some("Trưởng Ban Tổ chức")
    );
    let public = view::question(&h.state, q, view::Audience::Public).unwrap();
    assert!(public.follow.history.is_empty());
    assert_eq!(public.follow.official.as_deref(), Some("s4"));
}

#[test]
fn a_topic_brings_its_default_official() {
    let mut h = hall();
    let topics = vec![TopicInput {
        id: None,
        name: "Tổ chức bộ máy, tinh giản biên chế".into(),
        official: Some(sid(&h.official)),
    }];
    let set = || Action::SetTopics {
        topics: topics.clone(),
    };
    check(
        &mut h.state,
        &[
            (h.official.clone(), set(), Refused(Rejection::Forbidden)),
            (h.chair.clone(), set(), Wrote),
        ],
    );
    let route = Action::Route {
        question: 1,
        topic: Some(Some(1)),
        official: None,
        reason: None,
    };
    run(&mut h.state, &h.moderator, route).unwrap();
    let q = &h.state.questions[&1];
    assert_eq!(
        (q.follow.topic, q.follow.official),
        (Some(1), Some(StaffId(3)))
    );
    let unknown = Action::Route {
        question: 1,
        topic: Some(Some(9)),
        official: None,
        reason: None,
    };
    assert_eq!(
        run(&mut h.state, &h.moderator, unknown),
        Err(Rejection::UnknownTopic)
    );
    // A removed topic is no topic in any view, and its id is not reused.
    run(&mut h.state, &h.chair, Action::SetTopics { topics: vec![] }).unwrap();
    let q = &h.state.questions[&1];
    let seen = view::question(&h.state, q, view::Audience::Moderator).unwrap();
    assert_eq!(seen.follow.topic, None);
    let again = Action::SetTopics {
        topics: vec![TopicInput {
            id: None,
            name: "Bổ nhiệm".into(),
            official: None,
        }],
    };
    run(&mut h.state, &h.chair, again).unwrap();
    assert_eq!(h.state.topics[0].id, 2);
}

#[test]
fn the_written_answer_lifecycle_by_role() {
    let mut h = hall();
    let (o, o2, clerk) = (
        h.official.clone(),
        h.other_official.clone(),
        h.clerk.clone(),
    );
    let inv = |s| Refused(Rejection::InvalidTransition(s));
    use QuestionStatus::*;
    check(
        &mut h.state,
        &[
            // Nobody to answer yet.
            (
                h.moderator.clone(),
                in_writing(10),
                Refused(Rejection::NoOfficial),
            ),
            (h.moderator.clone(), route_to(&o, None), Wrote),
            (o.clone(), in_writing(10), Refused(Rejection::Forbidden)),
            (
                h.moderator.clone(),
                in_writing(0),
                Refused(Rejection::BadSetting("working_days must be 1..=60")),
            ),
            // A draft before the promise has nothing to answer.
            (o.clone(), draft("Dự thảo", None), inv(Live)),
            (h.moderator.clone(), in_writing(10), Wrote),
            (h.moderator.clone(), in_writing(10), inv(InWriting)),
            (
                h.moderator.clone(),
                Action::ExtendDue {
                    question: 1,
                    working_days: 5,
                    reason: " ".into(),
                },
                Refused(Rejection::Text(TextError::Empty)),
            ),
            (
                h.moderator.clone(),
                Action::ExtendDue {
                    question: 1,
                    working_days: 5,
                    reason: "Chờ số liệu của Sở Nội vụ".into(),
                },
                Wrote,
            ),
            // Another official, an attendee, an observer: no.
            (
                o2.clone(),
                draft("Không phải của tôi", None),
                Refused(Rejection::Forbidden),
            ),
            (
                p(1),
                draft("Tôi tự trả lời", None),
                Refused(Rejection::Forbidden),
            ),
            (
                h.observer.clone(),
                draft("…", None),
                Refused(Rejection::Forbidden),
            ),
            (clerk.clone(), draft("Dự thảo của chuyên viên", None), Wrote),
            // The clerk drafts, the official signs.
            (clerk.clone(), publish(1), Refused(Rejection::Forbidden)),
            (
                h.moderator.clone(),
                publish(1),
                Refused(Rejection::Forbidden),
            ),
            (o.clone(), draft("Dự thảo đã sửa", Some(1)), Wrote),
            (o.clone(), draft("Dự thảo đã sửa", Some(1)), Same),
            (
                o.clone(),
                draft("?", Some(7)),
                Refused(Rejection::UnknownAnswer),
            ),
            (o.clone(), publish(1), Wrote),
            (o.clone(), publish(1), Same),
            (
                o.clone(),
                draft("Sửa sau khi công bố", Some(1)),
                Refused(Rejection::AnswerPublished),
            ),
            // Not satisfied: the asker or the chair, with a reason.
            (
                p(2),
                not_satisfied("Không phải câu của tôi"),
                Refused(Rejection::Forbidden),
            ),
            (
                h.moderator.clone(),
                not_satisfied("Thay mặt"),
                Refused(Rejection::Forbidden),
            ),
            (
                p(1),
                not_satisfied(""),
                Refused(Rejection::Text(TextError::Empty)),
            ),
            (p(1), not_satisfied("Chưa nêu rõ lộ trình"), Wrote),
            (p(1), not_satisfied("Lần nữa"), inv(NotSatisfied)),
            // Back with its official, who answers again.
            (o.clone(), draft("Lộ trình cụ thể: …", None), Wrote),
            (o.clone(), publish(2), Wrote),
            (
                h.chair.clone(),
                not_satisfied("Đại biểu đề nghị trả lời rõ hơn"),
                Wrote,
            ),
            (h.chair.clone(), draft("Bổ sung", None), Wrote),
            (h.chair.clone(), publish(3), Wrote),
        ],
    );
    let q = &h.state.questions[&1];
    assert_eq!(q.status, AnsweredInWriting);
    let kinds: Vec<StepKind> = q.follow.history.iter().map(|s| s.kind).collect();
    use StepKind as K;
    assert_eq!(
        kinds,
        [
            K::Routed,
            K::InWriting,
            K::DueExtended,
            K::AnsweredInWriting,
            K::NotSatisfied,
            K::AnsweredInWriting,
            K::NotSatisfied,
            K::AnsweredInWriting
        ]
    );
    // Due dates count working days from the day of the promise: the test
    // clock is Wednesday 2023-11-15 in Vietnam (22:13 on the 14th, UTC),
    // +10 → 2023-11-29, +5 → 2023-12-06.
    assert_eq!(q.follow.history[1].due.as_deref(), Some("2023-11-29"));
    assert_eq!(q.follow.due.as_deref(), Some("2023-12-06"));
    // The hall sees the published answers, signed, and no draft or writer.
    let public = view::question(&h.state, q, view::Audience::Public).unwrap();
    let signed: Vec<_> = public
        .follow
        .answers
        .iter()
        .map(|a| (a.signed_by.as_str(), a.written_by.is_some()))
        .collect();
    assert_eq!(
        signed,
        [("Chủ tịch UBND tỉnh", false); 3],
        "{:?}",
        public.follow.answers
    );
    let panel = view::question(&h.state, q, view::Audience::Moderator).unwrap();
    assert_eq!(
        panel.follow.answers[0].written_by.as_deref(),
        Some("Chủ tịch UBND tỉnh")
    );
}

#[test]
fn a_draft_stays_with_the_panel() {
    let mut h = hall();
    run(
        &mut h.state,
        &h.moderator,
        route_to(&h.official.clone(), None),
    )
    .unwrap();
    run(&mut h.state, &h.moderator, in_writing(3)).unwrap();
    let entry = step(&mut h.state, &h.clerk.clone(), draft("Bản nháp", None))
        .unwrap()
        .unwrap();
    let (public, _) = view::changes(&h.state, &entry, view::Audience::Public);
    assert!(public.is_empty(), "{public:?}");
    let q = &h.state.questions[&1];
    let seen = view::question(&h.state, q, view::Audience::Public).unwrap();
    assert!(seen.follow.answers.is_empty());
    let (_, mine) = view::mine(&h.state, "p1", "~none");
    assert!(mine[0].follow.answers.is_empty());
    // The asker follows every step, without the staff's names.
    assert_eq!(mine[0].follow.history.len(), 2);
    assert!(mine[0].follow.history.iter().all(|s| s.by.is_none()));
}

#[test]
fn forwarding_needs_a_named_authority() {
    let mut h = hall();
    let forward = |authority: &str| Action::Forward {
        question: 1,
        authority: authority.into(),
        reason: Some("Ngoài thẩm quyền của tỉnh".into()),
    };
    check(
        &mut h.state,
        &[
            (
                h.official.clone(),
                forward("Bộ Nội vụ"),
                Refused(Rejection::Forbidden),
            ),
            (
                h.moderator.clone(),
                forward("  "),
                Refused(Rejection::Text(TextError::Empty)),
            ),
            (h.moderator.clone(), forward("Bộ Nội vụ"), Wrote),
            (h.moderator.clone(), forward("Bộ Nội vụ"), Same),
            // The secretariat records the authority's reply.
            (
                h.moderator.clone(),
                draft("Công văn số 12/BNV", None),
                Wrote,
            ),
            (h.moderator.clone(), publish(1), Wrote),
        ],
    );
    let q = &h.state.questions[&1];
    let seen = view::question(&h.state, q, view::Audience::Public).unwrap();
    assert_eq!(seen.follow.authority.as_deref(), Some("Bộ Nội vụ"));
    assert_eq!(seen.follow.answers[0].signed_by, "Bộ Nội vụ");
    assert_eq!(seen.status, QuestionStatus::AnsweredInWriting);
}

#[test]
fn leaving_live_clears_the_current_question() {
    let mut h = hall();
    run(&mut h.state, &h.chair, Action::SetCurrent { question: 1 }).unwrap();
    run(&mut h.state, &h.chair, route_to(&h.official.clone(), None)).unwrap();
    let entry = step(&mut h.state, &h.chair.clone(), in_writing(10))
        .unwrap()
        .unwrap();
    assert_eq!(h.state.current, None);
    let (changes, _) = view::changes(&h.state, &entry, view::Audience::Public);
    assert!(changes.contains(&hoidap_protocol::Change::Current { question: None }));
    // Asking and voting are closed, the follow-up is not.
    run(
        &mut h.state,
        &h.chair,
        Action::SetPhase {
            phase: Phase::Closed,
        },
    )
    .unwrap();
    run(&mut h.state, &h.official, draft("Trả lời", None)).unwrap();
    run(&mut h.state, &h.official, publish(1)).unwrap();
    assert_eq!(
        run(&mut h.state, &p(1), not_satisfied("Chưa rõ")).map(|e| e.is_some()),
        Ok(true)
    );
}

#[test]
fn merging_counts_each_voter_once_and_undoes_exactly() {
    let mut h = hall();
    run(
        &mut h.state,
        &p(2),
        ask("Bao giờ tinh giản biên chế hoàn thành?"),
    )
    .unwrap();
    for (who, q) in [(1, 1), (2, 1), (2, 2), (3, 2), (4, 2)] {
        run(&mut h.state, &p(who), vote(q, true)).unwrap();
    }
    let merge = Action::Merge {
        question: 2,
        into: 1,
    };
    check(
        &mut h.state,
        &[
            (
                h.official.clone(),
                merge.clone(),
                Refused(Rejection::Forbidden),
            ),
            (
                h.moderator.clone(),
                Action::Merge {
                    question: 1,
                    into: 1,
                },
                Refused(Rejection::InvalidTransition(QuestionStatus::Live)),
            ),
            (h.moderator.clone(), merge.clone(), Wrote),
            (
                h.moderator.clone(),
                merge.clone(),
                Refused(Rejection::Merged),
            ),
            // A merged question takes no votes and no moves of its own.
            (p(5), vote(2, true), Refused(Rejection::UnknownQuestion)),
            (
                h.moderator.clone(),
                Action::Hide { question: 2 },
                Refused(Rejection::Merged),
            ),
            // Nor does a question with merged ones go into another.
            (
                h.moderator.clone(),
                Action::Merge {
                    question: 1,
                    into: 2,
                },
                Refused(Rejection::Merged),
            ),
        ],
    );
    // p1, p2, p3, p4: p2 voted for both and counts once.
    assert_eq!(votes(&h.state, 1), 4);
    assert!(!h.state.questions[&2].is_public());
    // p3 withdraws while merged: from both; p5 votes the merged-into one.
    run(&mut h.state, &p(3), vote(1, false)).unwrap();
    run(&mut h.state, &p(5), vote(1, true)).unwrap();
    run(&mut h.state, &h.moderator, Action::Unmerge { question: 2 }).unwrap();
    assert_eq!((votes(&h.state, 1), votes(&h.state, 2)), (3, 2));
    assert!(h.state.questions[&2].is_public());
    let (mine, _) = view::mine(&h.state, "p3", "~none");
    assert!(mine.is_empty(), "p3 withdrew: {mine:?}");
    assert_eq!(
        run(&mut h.state, &h.moderator, Action::Unmerge { question: 2 }),
        Ok(None)
    );
}
