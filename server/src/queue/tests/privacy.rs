//! Detaching identities in the core: what a scope reaches, the rewritten
//! bytes (idempotent, vouched for by hash), and a replay of the rewritten
//! log giving the state the room had; the retention period's end.

use super::*;
use crate::log::chain;
use crate::queue::privacy::{self, DetachReason, Scope, StoredEntry};
use sha2::{Digest, Sha256};

fn roster_log() -> (State, Vec<Entry>) {
    let mut settings = settings(false, true, 500);
    settings.roster = true;
    let first = created_entry(settings);
    let mut state = State::default();
    evolve(&mut state, &first);
    let mut log = vec![first];
    let rows = ["Nguyễn Văn An", "Lê Chi"]
        .map(|name| NewDelegate {
            name: name.into(),
            unit: Some("Sở Nội vụ".into()),
            position: Some("Giám đốc".into()),
        })
        .to_vec();
    let add = Op::Admin(AdminAction::AddDelegates { rows });
    log.extend(op_as(&mut state, Principal::Admin {}, add).unwrap());
    let d = |n| Principal::Delegate { id: DelegateId(n) };
    for (who, text) in [(1, "Câu hỏi một"), (2, "Câu hỏi hai"), (1, "Câu hỏi ba")] {
        log.extend(step(&mut state, &d(who), ask(text)).unwrap());
    }
    log.extend(step(&mut state, &d(1), vote(2, true)).unwrap());
    (state, log)
}

/// The log as stored: each entry's bytes and chain hash.
fn stored(log: &[Entry]) -> Vec<StoredEntry> {
    let mut head = chain::GENESIS;
    log.iter()
        .map(|e| {
            let body = serde_json::to_string(e).unwrap();
            head = chain::link(&head, &body);
            StoredEntry {
                seq: e.seq,
                body,
                hash: head,
            }
        })
        .collect()
}

fn detach(state: &mut State, log: &mut Vec<Entry>, scope: Scope) -> Option<Entry> {
    let seqs = privacy::targets(state, scope).unwrap().seqs;
    let all = stored(log);
    let wanted = all.into_iter().filter(|s| seqs.contains(&s.seq)).collect();
    let op = Op::Detach {
        scope,
        reason: DetachReason::Request,
        stored: wanted,
    };
    let entry = op_as(state, Principal::Admin {}, op).unwrap()?;
    let Event::Detached {
        questions,
        delegates,
        redacted,
        ..
    } = &entry.event
    else {
        panic!("{entry:?}");
    };
    // What the log writer does: rewrite, and check the bytes it leaves.
    for r in redacted {
        let at = log.iter().position(|e| e.seq == r.seq).unwrap();
        let body = privacy::rewritten(&log[at], questions, delegates).unwrap();
        let digest: [u8; 32] = Sha256::digest(body.as_bytes()).into();
        assert_eq!(privacy::hex(&digest), r.now);
        assert_eq!(
            privacy::rewritten(&serde_json::from_str(&body).unwrap(), questions, delegates)
                .unwrap(),
            body,
            "idempotent"
        );
        log[at] = serde_json::from_str(&body).unwrap();
    }
    log.push(entry.clone());
    Some(entry)
}

fn replayed(log: &[Entry]) -> State {
    let mut state = State::default();
    for e in log {
        evolve(&mut state, e);
    }
    state
}

#[test]
fn a_delegate_detached_leaves_no_name_and_the_replay_is_the_same_state() {
    let (mut state, mut log) = roster_log();
    assert_eq!(state.questions[&1].name.as_deref(), Some("Nguyễn Văn An"));
    let entry = detach(&mut state, &mut log, Scope::Delegate(DelegateId(1))).unwrap();
    let Event::Detached {
        questions,
        delegates,
        redacted,
        ..
    } = &entry.event
    else {
        unreachable!()
    };
    assert_eq!(questions, &vec![1, 3]);
    assert_eq!(delegates, &vec![DelegateId(1)]);
    // The roster's import and two questions.
    assert_eq!(
        redacted.iter().map(|r| r.seq).collect::<Vec<_>>(),
        vec![2, 3, 5]
    );
    assert!(state.questions[&1].name.is_none() && state.questions[&1].detached);
    assert_eq!(state.questions[&2].name.as_deref(), Some("Lê Chi"));
    assert_eq!(state.delegates[&DelegateId(1)].name, "");
    // A's vote still counts once.
    assert_eq!(state.questions[&2].votes(), 1);
    assert_eq!(replayed(&log), state);
    let text = log
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect::<String>();
    assert!(!text.contains("Nguyễn Văn An"), "{text}");
    // Nothing left: no entry.
    assert!(detach(&mut state, &mut log, Scope::Delegate(DelegateId(1))).is_none());
    // Then everyone: the second delegate's record is rewritten again.
    detach(&mut state, &mut log, Scope::All).unwrap();
    assert_eq!(replayed(&log), state);
    assert!(state.questions.values().all(|q| q.name.is_none()));
}

#[test]
fn only_the_organiser_detaches() {
    let (state, log) = roster_log();
    let op = Op::Detach {
        scope: Scope::All,
        reason: DetachReason::Request,
        stored: stored(&log),
    };
    let command = Command {
        by: Principal::moderator_link(),
        at: at(9),
        op,
    };
    assert_eq!(decide(&state, &command), Err(Rejection::Forbidden));
}

#[test]
fn the_retention_period_counts_from_the_closing_or_the_last_due_date() {
    let (mut state, _) = roster_log();
    state.settings.retention_days = Some(30);
    assert_eq!(privacy::detach_at(&state), None, "still open");
    let close = Action::SetPhase {
        phase: Phase::Closed,
    };
    step(&mut state, &Principal::moderator_link(), close).unwrap();
    let closed = state.closed_at.unwrap();
    let day = 86_400_000;
    assert_eq!(privacy::detach_at(&state), Some(closed + 30 * day));
    assert!(!privacy::retention_due(&state, closed + 30 * day - 1));
    assert!(privacy::retention_due(&state, closed + 30 * day));
    // A due date after the closing: from the end of that day (UTC+7).
    state.questions.get_mut(&1).unwrap().follow.due = Some("2099-01-02".into());
    let end_of_day = (due::parse_day("2099-01-03").unwrap() as u64) * day - 7 * 3_600_000;
    assert_eq!(privacy::detach_at(&state), Some(end_of_day + 30 * day));
}
