//! Staff: the organiser's commands, what each role may do, and replay.

use super::*;
use hoidap_protocol::StaffRole;

/// Runs an organiser's (or anyone's) admin command.
fn admin_as(
    state: &mut State,
    by: Principal,
    action: AdminAction,
) -> Result<Option<Entry>, Rejection> {
    op_as(state, by, Op::Admin(action))
}

fn add(state: &mut State, name: &str, role: StaffRole) -> Principal {
    let action = AdminAction::AddStaff {
        name: name.into(),
        role,
        secret_hash: format!("hash-of-{name}"),
    };
    let entry = admin_as(state, Principal::Admin {}, action)
        .unwrap()
        .unwrap();
    let Event::StaffAdded { id, .. } = entry.event else {
        panic!("not a staff entry: {:?}", entry.event)
    };
    Principal::Staff { id }
}

fn id_of(p: &Principal) -> StaffId {
    match p {
        Principal::Staff { id } => *id,
        _ => panic!("not staff"),
    }
}

#[test]
fn only_the_organiser_manages_staff() {
    let mut state = open();
    let action = || AdminAction::AddStaff {
        name: "Trần Văn Bình".into(),
        role: StaffRole::Chair,
        secret_hash: "h".into(),
    };
    for by in [mo(), p(1), screen()] {
        assert_eq!(
            admin_as(&mut state, by, action()),
            Err(Rejection::Forbidden)
        );
    }
    let chair = add(&mut state, "Trần Văn Bình", StaffRole::Chair);
    assert_eq!(
        admin_as(&mut state, chair, action()),
        Err(Rejection::Forbidden)
    );
    // Ids count up and are never reused.
    let second = add(&mut state, "Ngô Thị Hà", StaffRole::Moderator);
    assert_eq!(id_of(&second), StaffId(2));
    let empty = AdminAction::AddStaff {
        name: " \u{3000} ".into(),
        role: StaffRole::Clerk,
        secret_hash: "h".into(),
    };
    assert_eq!(
        admin_as(&mut state, Principal::Admin {}, empty),
        Err(Rejection::Text(TextError::Empty))
    );
    let unknown = AdminAction::RevokeStaff { id: StaffId(9) };
    assert_eq!(
        admin_as(&mut state, Principal::Admin {}, unknown),
        Err(Rejection::UnknownStaff)
    );
}

#[test]
fn each_role_does_what_it_is_for() {
    let mut state = created(settings(true, true, 500));
    let chair = add(&mut state, "Chủ tọa", StaffRole::Chair);
    let moderator = add(&mut state, "Điều hành", StaffRole::Moderator);
    let read_only: Vec<Principal> = [StaffRole::Observer, StaffRole::Official, StaffRole::Clerk]
        .into_iter()
        .map(|r| add(&mut state, "Xem", r))
        .collect();
    let projector = add(&mut state, "Màn hình", StaffRole::Screen);
    let q = run(&mut state, &p(1), ask("Câu hỏi")).unwrap();
    let Some(Event::Asked { id: q, .. }) = q else {
        panic!()
    };
    for who in read_only.iter().chain([&projector]) {
        check(
            &mut state,
            &[
                (
                    who.clone(),
                    Action::Approve { question: q },
                    Refused(Rejection::Forbidden),
                ),
                (who.clone(), vote(q, true), Refused(Rejection::Forbidden)),
                (who.clone(), ask("x"), Refused(Rejection::Forbidden)),
            ],
        );
    }
    let keep = |on| Action::UpdateSettings {
        pre_moderation: None,
        allow_anonymous: None,
        max_length: None,
        chair_sets_current: Some(on),
        identities: None,
        asker_routes: None,
    };
    check(
        &mut state,
        &[
            (moderator.clone(), Action::Approve { question: q }, Wrote),
            (moderator.clone(), keep(true), Refused(Rejection::Forbidden)),
            (chair.clone(), keep(true), Wrote),
            (
                moderator.clone(),
                Action::SetCurrent { question: q },
                Refused(Rejection::Forbidden),
            ),
            // The shared link acts as the chair: events without staff keep
            // working as before.
            (mo(), Action::SetCurrent { question: q }, Wrote),
            (chair.clone(), Action::ClearCurrent {}, Wrote),
            (
                moderator.clone(),
                keep(false),
                Refused(Rejection::Forbidden),
            ),
            (chair.clone(), keep(false), Wrote),
            (moderator.clone(), Action::SetCurrent { question: q }, Wrote),
        ],
    );
}

#[test]
fn revoking_takes_every_power_and_reissuing_gives_it_back() {
    let mut state = open();
    let m = add(&mut state, "Lê Văn Tâm", StaffRole::Moderator);
    let id = id_of(&m);
    let q = run(&mut state, &p(1), ask("Câu hỏi")).unwrap();
    let Some(Event::Asked { id: q, .. }) = q else {
        panic!()
    };
    let revoke = || AdminAction::RevokeStaff { id };
    admin_as(&mut state, Principal::Admin {}, revoke())
        .unwrap()
        .unwrap();
    // Revoking twice changes nothing.
    assert_eq!(
        admin_as(&mut state, Principal::Admin {}, revoke()),
        Ok(None)
    );
    check(
        &mut state,
        &[(
            m.clone(),
            Action::Hide { question: q },
            Refused(Rejection::Forbidden),
        )],
    );
    let reissue = AdminAction::ReissueStaff {
        id,
        secret_hash: "new".into(),
    };
    admin_as(&mut state, Principal::Admin {}, reissue)
        .unwrap()
        .unwrap();
    let member = &state.staff[&id];
    assert!(member.active);
    assert_eq!(member.secret_hash, "new");
    assert_eq!(member.retired_hashes, ["hash-of-Lê Văn Tâm"]);
    check(&mut state, &[(m, Action::Hide { question: q }, Wrote)]);
    // A change that changes nothing writes nothing.
    let same = AdminAction::ChangeStaff {
        id,
        name: Some("Lê Văn Tâm".into()),
        role: Some(StaffRole::Moderator),
    };
    assert_eq!(admin_as(&mut state, Principal::Admin {}, same), Ok(None));
}

#[test]
fn replaying_the_log_rebuilds_who_was_who() {
    let mut state = open();
    let mut entries = vec![created_entry(settings(false, true, 500))];
    let admin = |state: &mut State, entries: &mut Vec<Entry>, action| {
        let entry = admin_as(state, Principal::Admin {}, action)
            .unwrap()
            .unwrap();
        entries.push(entry);
    };
    let hash = |s: &str| s.to_owned();
    admin(
        &mut state,
        &mut entries,
        AdminAction::AddStaff {
            name: "Phan Thị Mai".into(),
            role: StaffRole::Moderator,
            secret_hash: hash("a"),
        },
    );
    let mai = StaffId(1);
    admin(
        &mut state,
        &mut entries,
        AdminAction::ChangeStaff {
            id: mai,
            name: None,
            role: Some(StaffRole::Chair),
        },
    );
    let at_chair = state.staff.clone();
    admin(
        &mut state,
        &mut entries,
        AdminAction::ReissueStaff {
            id: mai,
            secret_hash: hash("b"),
        },
    );
    admin(
        &mut state,
        &mut entries,
        AdminAction::RevokeStaff { id: mai },
    );
    // Replaying the stored form gives the same staff, and replaying up to
    // a position gives who was who then.
    let replay = |upto: usize| {
        let mut replayed = open();
        for entry in &entries[1..upto] {
            let stored = serde_json::to_string(entry).unwrap();
            evolve(&mut replayed, &serde_json::from_str(&stored).unwrap());
        }
        replayed.staff
    };
    assert_eq!(replay(entries.len()), state.staff);
    assert_eq!(replay(3), at_chair);
    assert!(!state.staff[&mai].active);
}
