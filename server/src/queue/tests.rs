//! Tests of the queue state machine: a small harness here; data-driven unit
//! tests of `decide`/`evolve` and of the views in submodules; property tests
//! over random command sequences in `tests/props.rs`.

mod decide;
mod followup;
mod identity;
mod people;
mod privacy;
mod props;
mod props_follow;
mod roster;
mod status;
mod views;

use super::*;
use hoidap_protocol::{Action, Identity, Phase, QuestionStatus, Role, Seq, Settings};

// ---------------------------------------------------------------- harness

/// The deterministic clock: one second per log position.
fn at(seq: Seq) -> u64 {
    1_700_000_000_000 + seq * 1000
}

/// Runs one command the way a room does: `decide`, then on `Ok(Some)` stamp
/// the next seq and `evolve`. Returns the entry written, if any.
fn step(state: &mut State, actor: &Principal, action: Action) -> Result<Option<Entry>, Rejection> {
    step_req(state, actor, action, None)
}

/// `step` for a client request with id `req`.
fn step_req(
    state: &mut State,
    actor: &Principal,
    action: Action,
    req: Option<&str>,
) -> Result<Option<Entry>, Rejection> {
    let seq = state.seq + 1;
    let command = Command {
        by: actor.clone(),
        at: at(seq),
        op: Op::Client(action),
    };
    let event = decide(state, &command)?;
    Ok(event.map(|event| {
        let entry = Entry {
            seq,
            at: command.at,
            by: command.by,
            req: req.map(String::from),
            event,
        };
        evolve(state, &entry);
        entry
    }))
}

/// Decides and applies any command, as the room does.
fn op_as(state: &mut State, by: Principal, op: Op) -> Result<Option<Entry>, Rejection> {
    let seq = state.seq + 1;
    let command = Command {
        by,
        at: at(seq),
        op,
    };
    let event = decide(state, &command)?;
    Ok(event.map(|event| {
        let entry = Entry {
            seq,
            at: command.at,
            by: command.by,
            req: None,
            event,
        };
        evolve(state, &entry);
        entry
    }))
}

fn run(state: &mut State, actor: &Principal, action: Action) -> Result<Option<Event>, Rejection> {
    step(state, actor, action).map(|entry| entry.map(|e| e.event))
}

/// The first entry of every log.
fn created_entry(settings: Settings) -> Entry {
    Entry {
        seq: 1,
        at: at(1),
        by: Principal::moderator_link(),
        req: None,
        event: Event::Created {
            title: "Hội nghị cán bộ".into(),
            settings,
        },
    }
}

fn created(settings: Settings) -> State {
    let mut state = State::default();
    evolve(&mut state, &created_entry(settings));
    state
}

fn settings(pre_moderation: bool, allow_anonymous: bool, max_length: u32) -> Settings {
    Settings {
        pre_moderation,
        allow_anonymous,
        max_length,
        // As the state holds them (spelled out, see `evolve`).
        identities: Some(if allow_anonymous {
            vec![Identity::Named, Identity::HiddenFromHall]
        } else {
            vec![Identity::Named]
        }),
        chair_sets_current: false,
        roster: false,
        asker_routes: false,
        screen: Default::default(),
        retention_days: None,
        export_roles: Vec::new(),
    }
}

/// Open event, no pre-moderation: questions go live at once.
fn open() -> State {
    created(settings(false, true, 500))
}

fn screen() -> Principal {
    Principal::Link { role: Role::Screen }
}

fn mo() -> Principal {
    Principal::moderator_link()
}

fn p(n: u32) -> Principal {
    Principal::participant(format!("p{n}"))
}

fn ask(text: &str) -> Action {
    Action::Ask {
        text: text.into(),
        name: None,
        unit: None,
        anonymous: false,
        identity: None,
        topic: None,
        official: None,
    }
}

fn ask_as(text: &str, name: &str, unit: &str, anonymous: bool) -> Action {
    Action::Ask {
        text: text.into(),
        name: Some(name.into()),
        unit: Some(unit.into()),
        anonymous,
        identity: None,
        topic: None,
        official: None,
    }
}

fn vote(question: QuestionId, up: bool) -> Action {
    Action::Vote { question, up }
}

/// What a step should do.
#[derive(Debug)]
enum Want {
    /// Accepted and wrote an entry.
    Wrote,
    /// Accepted, nothing to change.
    Same,
    Refused(Rejection),
}
use Want::*;

/// Runs each step in order and checks its outcome; refusals and no-ops
/// must leave the state exactly as it was.
fn check(state: &mut State, steps: &[(Principal, Action, Want)]) {
    for (i, (actor, action, want)) in steps.iter().enumerate() {
        let before = state.clone();
        let got = run(state, actor, action.clone());
        let ok = match (&got, want) {
            (Ok(Some(_)), Wrote) => true,
            (Ok(None), Same) => *state == before,
            (Err(e), Refused(w)) => e == w && *state == before,
            _ => false,
        };
        assert!(
            ok,
            "step {i}: {actor:?} {action:?}: want {want:?}, got {got:?}"
        );
    }
}

fn status(state: &State, id: QuestionId) -> QuestionStatus {
    state.questions[&id].status
}

fn votes(state: &State, id: QuestionId) -> u32 {
    state.questions[&id].votes()
}
