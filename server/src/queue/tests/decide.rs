//! Asking, voting, roles, phases and settings.

use super::*;
use hoidap_protocol::ErrorCode;

// ---------------------------------------------------------------- asking

#[test]
fn ask_goes_pending_with_premoderation_and_live_without() {
    let mut state = created(settings(true, true, 500));
    let event = run(&mut state, &p(0), ask("  Lương tháng 13 có không?  ")).unwrap();
    assert_eq!(
        event,
        Some(Event::Asked {
            id: 1,
            text: "Lương tháng 13 có không?".into(),
            name: None,
            unit: None,
            anonymous: false,
            identity: Some(Identity::Named),
            status: QuestionStatus::Pending,
            topic: None,
            official: None,
        })
    );
    assert_eq!(state.seq, 2);
    assert_eq!(state.questions[&1].created_at, at(2));

    let mut state = open();
    check(
        &mut state,
        &[(p(0), ask("Hỏi"), Wrote), (p(1), ask("Hỏi nữa"), Wrote)],
    );
    assert_eq!(status(&state, 1), QuestionStatus::Live);
    assert_eq!(state.questions[&2].id, 2);
    assert_eq!(state.next_question_id(), 3);
}

#[test]
fn anonymous_only_when_allowed() {
    let mut state = created(settings(false, false, 500));
    let anon = ask_as("Câu hỏi", "An", "Sở Tài chính", true);
    check(
        &mut state,
        &[
            (p(0), anon.clone(), Refused(Rejection::AnonymousNotAllowed)),
            (p(0), ask_as("Câu hỏi", "An", "Sở Tài chính", false), Wrote),
            (
                mo(),
                Action::UpdateSettings {
                    pre_moderation: None,
                    allow_anonymous: Some(true),
                    max_length: None,
                    chair_sets_current: None,
                    identities: None,
                    asker_routes: None,
                },
                Wrote,
            ),
            (p(0), anon, Wrote),
        ],
    );
    assert_eq!(
        Rejection::AnonymousNotAllowed.code(),
        ErrorCode::AnonymousNotAllowed
    );
    assert_eq!(state.questions[&2].identity, Identity::HiddenFromHall);
}

#[test]
fn length_is_counted_in_characters() {
    let mut state = created(settings(false, true, 300));
    let full = "ệ".repeat(300);
    assert_eq!(full.len(), 900);
    let too_long = Rejection::Text(TextError::TooLong { len: 301, max: 300 });
    assert_eq!(too_long.code(), ErrorCode::TooLong);
    check(
        &mut state,
        &[
            (p(0), ask(&full), Wrote),
            (p(0), ask(&format!("{full}ệ")), Refused(too_long.clone())),
            // Decomposed marks are composed first: 300 characters again.
            (p(0), ask(&"e\u{323}\u{302}".repeat(300)), Wrote),
            (
                mo(),
                Action::Edit {
                    question: 1,
                    text: format!("ệ{full}"),
                },
                Refused(too_long),
            ),
        ],
    );
    assert_eq!(state.questions[&2].text, full);
}

#[test]
fn control_and_bidi_characters_are_refused() {
    let forbidden = |c: u32| Refused(Rejection::Text(TextError::Forbidden(c)));
    let mut state = open();
    check(
        &mut state,
        &[
            (p(0), ask("abc\u{202E}fdp.exe"), forbidden(0x202E)),
            (p(0), ask("\u{2066}x\u{2069}"), forbidden(0x2066)),
            (p(0), ask("a\u{0}b"), forbidden(0)),
            (p(0), ask("a\u{1b}[31mb"), forbidden(0x1B)),
            (
                p(0),
                ask(" \n\t "),
                Refused(Rejection::Text(TextError::Empty)),
            ),
            (
                p(0),
                ask_as("Hỏi", "An\nBình", "", false),
                forbidden(u32::from('\n')),
            ),
            (
                p(0),
                ask_as("Hỏi", "An", "Sở\u{202D}", false),
                forbidden(0x202D),
            ),
            (p(0), ask("Dòng 1\r\nDòng 2\tcó tab"), Wrote),
            (
                mo(),
                Action::Edit {
                    question: 1,
                    text: "x\u{202E}".into(),
                },
                forbidden(0x202E),
            ),
        ],
    );
    assert_eq!(state.questions[&1].text, "Dòng 1\nDòng 2\tcó tab");
    assert_eq!(
        Rejection::Text(TextError::Empty).code(),
        ErrorCode::InvalidText
    );
}

#[test]
fn applied_requests_are_remembered_per_requester() {
    let mut state = open();
    let entry = step_req(&mut state, &p(0), ask("Hỏi"), Some("r1"))
        .unwrap()
        .unwrap();
    assert_eq!(entry.req.as_deref(), Some("r1"));
    let asked = Some(Applied {
        seq: 2,
        question: Some(1),
    });
    assert_eq!(state.applied(&p(0), "r1"), asked);
    assert_eq!(state.applied(&p(1), "r1"), None);
    assert_eq!(state.applied(&p(0), "r2"), None);
    // Refused and no-op requests write nothing, so they are not remembered.
    assert!(step_req(&mut state, &p(1), vote(9, true), Some("r2")).is_err());
    assert_eq!(
        step_req(&mut state, &p(1), vote(1, false), Some("r3")),
        Ok(None)
    );
    assert_eq!(
        (state.applied(&p(1), "r2"), state.applied(&p(1), "r3")),
        (None, None)
    );
    step_req(&mut state, &mo(), Action::Hide { question: 1 }, Some("r1")).unwrap();
    let hidden = Some(Applied {
        seq: 3,
        question: None,
    });
    assert_eq!(
        (state.applied(&mo(), "r1"), state.applied(&p(0), "r1")),
        (hidden, asked)
    );
    assert_eq!(state.applied(&screen(), "r1"), None);
}

// ---------------------------------------------------------------- voting

#[test]
fn one_vote_per_participant() {
    let mut state = created(settings(true, true, 500));
    let unknown = || Refused(Rejection::UnknownQuestion);
    check(
        &mut state,
        &[
            (p(0), ask("Một"), Wrote),
            (p(0), ask("Hai"), Wrote),
            (mo(), Action::Approve { question: 1 }, Wrote),
            (mo(), Action::Approve { question: 2 }, Wrote),
            (p(1), vote(1, true), Wrote),
            (p(1), vote(1, true), Same),
            (p(2), vote(1, true), Wrote),
            (p(0), vote(1, true), Wrote),
            (p(1), vote(1, false), Wrote),
            (p(1), vote(1, false), Same),
            (p(3), vote(1, false), Same),
            (p(1), vote(9, true), unknown()),
            // Pending and hidden questions do not exist for attendees.
            (p(0), ask("Ba"), Wrote),
            (p(1), vote(3, true), unknown()),
            (p(1), vote(3, false), unknown()),
            (p(1), vote(2, true), Wrote),
            (mo(), Action::Hide { question: 2 }, Wrote),
            (p(2), vote(2, true), unknown()),
            (p(1), vote(2, false), unknown()),
            // Answered: no new votes, withdrawing is fine.
            (mo(), Action::MarkAnswered { question: 1 }, Wrote),
            (
                p(3),
                vote(1, true),
                Refused(Rejection::InvalidTransition(QuestionStatus::Answered)),
            ),
            (p(2), vote(1, true), Same),
            (p(2), vote(1, false), Wrote),
        ],
    );
    assert_eq!(
        (votes(&state, 1), votes(&state, 2), votes(&state, 3)),
        (1, 1, 0)
    );
}

// ---------------------------------------------------------------- roles

#[test]
fn roles_are_enforced() {
    let forbidden = || Refused(Rejection::Forbidden);
    let mut state = created(settings(true, true, 500));
    check(
        &mut state,
        &[
            (p(0), ask("Hỏi"), Wrote),
            (mo(), Action::Approve { question: 1 }, Wrote),
        ],
    );
    check(&mut state, &[(p(0), ask("Chờ duyệt"), Wrote)]);
    let moderator_actions = [
        Action::Approve { question: 2 },
        Action::Hide { question: 1 },
        Action::Restore { question: 1 },
        Action::MarkAnswered { question: 1 },
        Action::Reopen { question: 1 },
        Action::SetCurrent { question: 1 },
        Action::ClearCurrent {},
        Action::Edit {
            question: 1,
            text: "Sửa".into(),
        },
        Action::UpdateSettings {
            pre_moderation: Some(false),
            allow_anonymous: None,
            max_length: None,
            chair_sets_current: None,
            identities: None,
            asker_routes: None,
        },
        Action::SetPhase {
            phase: Phase::Closed,
        },
    ];
    let attendee_actions = [ask("Hỏi"), vote(1, true), vote(1, false)];
    for action in &moderator_actions {
        check(
            &mut state,
            &[
                (p(0), action.clone(), forbidden()),
                (screen(), action.clone(), forbidden()),
            ],
        );
    }
    for action in &attendee_actions {
        check(
            &mut state,
            &[
                (mo(), action.clone(), forbidden()),
                (screen(), action.clone(), forbidden()),
            ],
        );
        // An attendee without a participant id is not an attendee.
        let nobody = Principal::Link {
            role: Role::Attendee,
        };
        check(&mut state, &[(nobody, action.clone(), forbidden())]);
    }
    assert_eq!(Rejection::Forbidden.code(), ErrorCode::Forbidden);
}

// ---------------------------------------------------------------- phase & settings

#[test]
fn phases_close_asking_then_voting() {
    let mut state = open();
    check(
        &mut state,
        &[
            (p(0), ask("Một"), Wrote),
            (mo(), Action::SetPhase { phase: Phase::Open }, Same),
            (
                mo(),
                Action::SetPhase {
                    phase: Phase::VotingOnly,
                },
                Wrote,
            ),
            (
                p(0),
                ask("Hai"),
                Refused(Rejection::PhaseClosed(Phase::VotingOnly)),
            ),
            (p(1), vote(1, true), Wrote),
            (
                mo(),
                Action::SetPhase {
                    phase: Phase::Closed,
                },
                Wrote,
            ),
            (
                p(0),
                ask("Hai"),
                Refused(Rejection::PhaseClosed(Phase::Closed)),
            ),
            (
                p(2),
                vote(1, true),
                Refused(Rejection::PhaseClosed(Phase::Closed)),
            ),
            (
                p(1),
                vote(1, false),
                Refused(Rejection::PhaseClosed(Phase::Closed)),
            ),
            // Moderators keep working on a closed event.
            (mo(), Action::MarkAnswered { question: 1 }, Wrote),
            (mo(), Action::SetPhase { phase: Phase::Open }, Wrote),
            (p(0), ask("Hai"), Wrote),
        ],
    );
    assert_eq!(
        Rejection::PhaseClosed(Phase::Closed).code(),
        ErrorCode::PhaseClosed
    );
}

#[test]
fn settings_are_validated() {
    let max = |n| Action::UpdateSettings {
        pre_moderation: None,
        allow_anonymous: None,
        max_length: Some(n),
        chair_sets_current: None,
        identities: None,
        asker_routes: None,
    };
    let bad = || Refused(Rejection::BadSetting("max_length must be 1..=2000"));
    let mut state = created(Settings::default());
    check(
        &mut state,
        &[
            (mo(), max(0), bad()),
            (mo(), max(MAX_LENGTH_CEILING + 1), bad()),
            (mo(), max(500), Same),
            (
                mo(),
                Action::UpdateSettings {
                    pre_moderation: None,
                    allow_anonymous: None,
                    max_length: None,
                    chair_sets_current: None,
                    identities: None,
                    asker_routes: None,
                },
                Same,
            ),
            (mo(), max(1), Wrote),
            (p(0), ask("ệ"), Wrote),
            (
                p(0),
                ask("ab"),
                Refused(Rejection::Text(TextError::TooLong { len: 2, max: 1 })),
            ),
            (
                mo(),
                Action::UpdateSettings {
                    pre_moderation: Some(false),
                    allow_anonymous: None,
                    max_length: None,
                    chair_sets_current: None,
                    identities: None,
                    asker_routes: None,
                },
                Wrote,
            ),
            (p(0), ask("x"), Wrote),
        ],
    );
    assert_eq!(state.settings, settings(false, true, 1));
    assert_eq!(
        (status(&state, 1), status(&state, 2)),
        (QuestionStatus::Pending, QuestionStatus::Live)
    );
}

#[test]
fn pending_questions_are_capped_per_participant_and_questions_per_event() {
    let mut state = created(settings(true, true, 500));
    state.quotas = Quotas {
        pending_per_participant: 2,
        questions_per_event: 4,
    };
    check(
        &mut state,
        &[
            (p(0), ask("Một"), Wrote),
            (p(0), ask("Hai"), Wrote),
            (p(0), ask("Ba"), Refused(Rejection::TooManyPending(2))),
            // Someone else's pending questions do not count.
            (p(1), ask("Bốn"), Wrote),
            (mo(), Action::Approve { question: 1 }, Wrote),
            // Approved, it no longer waits: room for one more.
            (p(0), ask("Năm"), Wrote),
            (p(2), ask("Sáu"), Refused(Rejection::EventFull(4))),
        ],
    );
    assert_eq!(state.questions.len(), 4);
    assert_eq!(Rejection::EventFull(4).code(), ErrorCode::QuotaExceeded);
}

#[test]
fn only_the_last_request_ids_of_each_requester_are_remembered() {
    let mut state = open();
    let first = state.clone();
    let mut entries = vec![step_req(&mut state, &p(1), ask("Hỏi"), Some("v0")).unwrap()];
    // 300 vote toggles by one participant, each a remembered request.
    for i in 0..300 {
        let r = format!("v{i}");
        entries.push(step_req(&mut state, &p(0), vote(1, i % 2 == 0), Some(&r)).unwrap());
    }
    let remembered = (0..300)
        .filter(|i| state.applied(&p(0), &format!("v{i}")).is_some())
        .count();
    assert_eq!(remembered, REMEMBERED_REQUESTS);
    // The newest are the ones kept; another requester's are untouched.
    assert!(state.applied(&p(0), "v299").is_some());
    assert!(state.applied(&p(0), "v0").is_none());
    assert!(state.applied(&p(1), "v0").is_some());
    assert_eq!(state.requests_remembered(), REMEMBERED_REQUESTS + 1);
    // Replaying the log (as stored) remembers exactly the same ids.
    let mut replayed = first;
    for entry in entries.into_iter().flatten() {
        let stored: Entry = serde_json::from_str(&serde_json::to_string(&entry).unwrap()).unwrap();
        evolve(&mut replayed, &stored);
    }
    assert_eq!(replayed, state);
}
