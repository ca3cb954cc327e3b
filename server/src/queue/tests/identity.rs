//! Identity levels: what the asker may choose, what is kept, who sees it.

use super::*;
use crate::queue::view::{self, Audience};

fn levels(state: &State) -> Vec<Identity> {
    state.settings.identities.clone().expect("spelled out")
}

fn update(allow_anonymous: Option<bool>, identities: Option<Vec<Identity>>) -> Action {
    Action::UpdateSettings {
        pre_moderation: None,
        allow_anonymous,
        max_length: None,
        identities,
        chair_sets_current: None,
        asker_routes: None,
    }
}

#[test]
fn the_old_switch_and_the_levels_agree() {
    use Identity::*;
    let mut state = open();
    assert_eq!(levels(&state), [Named, HiddenFromHall]);
    run(
        &mut state,
        &mo(),
        update(None, Some(vec![Anonymous, Named, UnitOnly, Named])),
    )
    .unwrap();
    assert_eq!(
        levels(&state),
        [Named, UnitOnly, Anonymous],
        "sorted, deduplicated"
    );
    assert!(state.settings.allow_anonymous);
    run(&mut state, &mo(), update(Some(false), None)).unwrap();
    assert_eq!(levels(&state), [Named]);
    assert!(!state.settings.allow_anonymous);
    run(&mut state, &mo(), update(Some(true), None)).unwrap();
    assert_eq!(levels(&state), [Named, HiddenFromHall]);
    let none = run(&mut state, &mo(), update(None, Some(vec![])));
    assert!(matches!(none, Err(Rejection::BadSetting(_))));
    // Only anonymous: turning the switch off still leaves a way to ask.
    run(&mut state, &mo(), update(None, Some(vec![Anonymous]))).unwrap();
    run(&mut state, &mo(), update(Some(false), None)).unwrap();
    assert_eq!(levels(&state), [Named]);
}

#[test]
fn what_the_asker_hides_is_not_kept_and_not_shown() {
    let mut state = open();
    run(
        &mut state,
        &mo(),
        update(
            None,
            Some(vec![
                Identity::Named,
                Identity::UnitOnly,
                Identity::Anonymous,
            ]),
        ),
    )
    .unwrap();
    let asked = |state: &mut State, identity| {
        let action = Action::Ask {
            text: "Câu hỏi".into(),
            name: Some("Hoàng Văn Tên".into()),
            unit: Some("UBND huyện".into()),
            anonymous: false,
            identity: Some(identity),
            topic: None,
            official: None,
        };
        match run(state, &p(1), action).unwrap() {
            Some(Event::Asked { id, name, unit, .. }) => (id, name, unit),
            other => panic!("{other:?}"),
        }
    };
    let (unit_q, name, unit) = asked(&mut state, Identity::UnitOnly);
    assert_eq!((name, unit.as_deref()), (None, Some("UBND huyện")));
    let (anon_q, name, unit) = asked(&mut state, Identity::Anonymous);
    assert_eq!((name, unit), (None, None));
    let refused = run(
        &mut state,
        &p(1),
        Action::Ask {
            text: "x".into(),
            name: None,
            unit: None,
            anonymous: true,
            identity: None,
            topic: None,
            official: None,
        },
    );
    assert_eq!(
        refused,
        Err(Rejection::AnonymousNotAllowed),
        "legacy anonymous is hidden-from-hall"
    );
    for audience in Audience::ALL {
        let q = view::question(&state, &state.questions[&anon_q], audience).unwrap();
        assert_eq!(
            (q.identity, q.anonymous, q.asker),
            (Identity::Anonymous, true, None)
        );
        let q = view::question(&state, &state.questions[&unit_q], audience).unwrap();
        assert_eq!((q.name, q.unit.as_deref()), (None, Some("UBND huyện")));
    }
    // The asker still finds their own anonymous question.
    let (_, mine) = view::mine(&state, "p1", "~none");
    assert!(mine.iter().any(|q| q.id == anon_q));
}
