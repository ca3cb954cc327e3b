//! Roster mode in the core: who may ask and vote, one vote per delegate,
//! claims and resets, imports all or nothing, and replay.

use super::*;

fn row(name: &str, unit: &str) -> NewDelegate {
    NewDelegate {
        name: name.into(),
        unit: Some(unit.into()),
        position: None,
    }
}

fn roster_event() -> State {
    let mut settings = settings(false, true, 500);
    settings.roster = true;
    let mut state = created(settings);
    let rows = vec![row("Nguyễn Văn An", "Sở Nội vụ"), row("Lê Chi", "Sở Y tế")];
    let action = AdminAction::AddDelegates { rows };
    op_as(&mut state, Principal::Admin {}, Op::Admin(action)).unwrap();
    state
}

fn d(n: u32) -> Principal {
    Principal::Delegate { id: DelegateId(n) }
}

#[test]
fn in_a_roster_event_only_delegates_ask_and_vote() {
    let mut state = roster_event();
    let guest = Principal::Link {
        role: hoidap_protocol::Role::Attendee,
    };
    for who in [guest, p(1)] {
        assert_eq!(
            step(&mut state, &who, ask("Xin hỏi")),
            Err(Rejection::CodeRequired)
        );
    }
    let entry = step(
        &mut state,
        &d(1),
        ask_as("Câu hỏi", "Kẻ khác", "Nơi khác", false),
    );
    let id = match entry.unwrap().unwrap().event {
        Event::Asked { id, .. } => id,
        other => panic!("{other:?}"),
    };
    // The roster's name and unit, not what was typed.
    let q = &state.questions[&id];
    assert_eq!(q.name.as_deref(), Some("Nguyễn Văn An"));
    assert_eq!(q.unit.as_deref(), Some("Sở Nội vụ"));
    assert_eq!(
        step(&mut state, &p(2), vote(id, true)),
        Err(Rejection::CodeRequired)
    );
    assert_eq!(
        step(&mut state, &d(9), vote(id, true)),
        Err(Rejection::Forbidden),
        "not on the roster"
    );
    step(&mut state, &d(2), vote(id, true)).unwrap();
    // Any device of the delegate is the delegate: a second vote is none.
    assert_eq!(step(&mut state, &d(2), vote(id, true)), Ok(None));
    assert_eq!(votes(&state, id), 1);
}

#[test]
fn claims_and_resets_move_the_card() {
    let mut state = roster_event();
    let claim = |state: &mut State, n| op_as(state, d(n), Op::Claim).unwrap().unwrap().event;
    assert_eq!(
        claim(&mut state, 1),
        Event::DelegateClaimed {
            id: DelegateId(1),
            device: 1
        }
    );
    assert_eq!(
        claim(&mut state, 1),
        Event::DelegateClaimed {
            id: DelegateId(1),
            device: 2
        }
    );
    let an = &state.delegates[&DelegateId(1)];
    assert!(an.claimed);
    assert_eq!((an.device, an.code), (2, 0));
    let reset = AdminAction::ResetDelegate { id: DelegateId(1) };
    op_as(&mut state, Principal::Admin {}, Op::Admin(reset)).unwrap();
    let an = &state.delegates[&DelegateId(1)];
    assert!(!an.claimed, "no device holds the new card yet");
    assert_eq!((an.device, an.code), (3, 1), "the old devices are out");
    // Only the organiser resets; only a delegate claims (themselves).
    let reset = AdminAction::ResetDelegate { id: DelegateId(2) };
    assert_eq!(
        op_as(&mut state, d(2), Op::Admin(reset)),
        Err(Rejection::Forbidden)
    );
    assert_eq!(
        op_as(&mut state, p(1), Op::Claim),
        Err(Rejection::Forbidden)
    );
    assert_eq!(
        op_as(&mut state, d(7), Op::Claim),
        Err(Rejection::UnknownDelegate)
    );
}

#[test]
fn an_import_naming_someone_on_the_roster_imports_nothing() {
    let mut state = roster_event();
    let rows = vec![row("Trần Bình", "Sở Xây dựng"), row("Lê Chi", "Sở Y tế")];
    let action = AdminAction::AddDelegates { rows };
    assert_eq!(
        op_as(&mut state, Principal::Admin {}, Op::Admin(action)),
        Err(Rejection::AlreadyOnRoster(vec![(1, DelegateId(2))]))
    );
    assert_eq!(state.delegates.len(), 2);
    let rows = vec![row("Trần Bình", "Sở Xây dựng")];
    let action = AdminAction::AddDelegates { rows };
    op_as(&mut state, Principal::Admin {}, Op::Admin(action)).unwrap();
    assert_eq!(state.delegates[&DelegateId(3)].name, "Trần Bình");
}

#[test]
fn moderators_cannot_turn_roster_mode_off() {
    let mut state = roster_event();
    let update = Action::UpdateSettings {
        pre_moderation: Some(true),
        allow_anonymous: None,
        max_length: None,
        identities: None,
        chair_sets_current: None,
        asker_routes: None,
    };
    step(&mut state, &mo(), update).unwrap();
    assert!(state.settings.roster && state.settings.pre_moderation);
    let mut off = state.settings.clone();
    off.roster = false;
    let action = AdminAction::SetSettings {
        settings: off.clone(),
    };
    assert_eq!(
        op_as(&mut state, mo(), Op::Admin(action)),
        Err(Rejection::Forbidden)
    );
    let action = AdminAction::SetSettings { settings: off };
    op_as(&mut state, Principal::Admin {}, Op::Admin(action)).unwrap();
    assert!(!state.settings.roster);
}
