//! The pure parts of an export: rows through the panel's view, cells,
//! neutralising, dates in the meeting's time zone.

use super::*;
use crate::queue::{Command, Entry, Event, Op, Principal, decide, evolve};
use hoidap_protocol::{Action, Settings};

/// Thursday 2026-12-03, 20:00 in Hà Nội (13:00 UTC).
const EVENING: u64 = 1_796_302_800_000;

fn run(state: &mut State, by: Principal, op: Op) -> Entry {
    let command = Command {
        by,
        at: EVENING,
        op,
    };
    let event = decide(state, &command)
        .expect("accepted")
        .expect("a change");
    let entry = Entry {
        seq: state.seq + 1,
        at: command.at,
        by: command.by,
        req: None,
        event,
    };
    evolve(state, &entry);
    entry
}

fn ask(state: &mut State, who: &str, text: &str, identity: Identity) {
    let action = Action::Ask {
        text: text.into(),
        name: Some(format!("Tên của {who}")),
        unit: Some(format!("Đơn vị của {who}")),
        anonymous: false,
        identity: Some(identity),
        topic: None,
        official: None,
    };
    run(state, Principal::participant(who), Op::Client(action));
}

fn event() -> State {
    let mut state = State::default();
    let settings = Settings {
        pre_moderation: false,
        identities: Some(vec![
            Identity::Named,
            Identity::HiddenFromHall,
            Identity::Anonymous,
        ]),
        ..Settings::default()
    };
    let created = Entry {
        seq: 1,
        at: EVENING,
        by: Principal::Admin {},
        req: None,
        event: Event::Created {
            title: "Hội nghị".into(),
            settings,
        },
    };
    evolve(&mut state, &created);
    state
}

#[test]
fn rows_follow_the_panels_view_and_hide_the_anonymous() {
    let mut state = event();
    ask(&mut state, "p1", "Câu công khai", Identity::Named);
    ask(
        &mut state,
        "p2",
        "Câu ẩn với hội trường",
        Identity::HiddenFromHall,
    );
    ask(
        &mut state,
        "p3",
        "Câu ẩn danh hoàn toàn",
        Identity::Anonymous,
    );
    let chair = Principal::moderator_link();
    run(
        &mut state,
        chair.clone(),
        Op::Client(Action::MarkAnswered { question: 1 }),
    );
    let rows = rows(&state);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].name.as_deref(), Some("Tên của p1"));
    assert_eq!(rows[0].status, QuestionStatus::Answered);
    assert_eq!(rows[0].answered_live_at, Some(EVENING));
    assert_eq!(rows[1].unit.as_deref(), Some("Đơn vị của p2"));
    assert_eq!((rows[2].name.clone(), rows[2].unit.clone()), (None, None));
    let cells = cells(&rows[2]);
    assert_eq!(cells[5], Cell::Text("Ẩn danh hoàn toàn".into()));
    let export = Export {
        event: Header {
            title: state.title.clone(),
            join_code: "K7PQ2M".into(),
            exported_at: EVENING,
            entries_seq: state.seq,
            chain_head: String::new(),
        },
        questions: rows,
    };
    for bytes in [csv(&export).unwrap(), json(&export).unwrap()] {
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("p3"), "{text}");
        assert!(text.contains("Tên của p1"));
    }
}

#[test]
fn only_the_organiser_and_the_chair_export_and_it_is_logged() {
    let mut state = event();
    let entry = run(&mut state, Principal::Admin {}, export_op("xlsx"));
    assert_eq!(
        entry.event,
        Event::Exported {
            format: "xlsx".into()
        }
    );
    assert!(entry.event.questions().is_empty());
    let before = state.clone();
    run(&mut state, Principal::moderator_link(), export_op("csv"));
    assert_eq!(state.questions, before.questions);
    let refused = |by: Principal, format: &str| {
        let command = Command {
            by,
            at: EVENING,
            op: export_op(format),
        };
        decide(&state, &command)
    };
    assert_eq!(
        refused(Principal::participant("p1"), "csv"),
        Err(crate::queue::Rejection::Forbidden)
    );
    assert!(refused(Principal::Admin {}, "pdf").is_err());
}

#[test]
fn a_role_exports_once_the_organiser_allows_it() {
    use crate::queue::{AdminAction, StaffId};
    use hoidap_protocol::StaffRole;
    let mut state = event();
    for (name, role) in [
        ("Thư ký An", StaffRole::Clerk),
        ("Màn hình", StaffRole::Screen),
    ] {
        let add = AdminAction::AddStaff {
            name: name.into(),
            role,
            secret_hash: name.into(),
        };
        run(&mut state, Principal::Admin {}, Op::Admin(add));
    }
    let clerk = Principal::Staff { id: StaffId(1) };
    let export = |state: &State, by: &Principal| {
        let command = Command {
            by: by.clone(),
            at: EVENING,
            op: export_op("audit_json"),
        };
        decide(state, &command).map(|_| ())
    };
    assert_eq!(
        export(&state, &clerk),
        Err(crate::queue::Rejection::Forbidden)
    );
    let base = state.settings.clone();
    let allow = |roles: Vec<StaffRole>| {
        let settings = hoidap_protocol::Settings {
            export_roles: roles,
            ..base.clone()
        };
        Op::Admin(AdminAction::SetSettings { settings })
    };
    let screen = Command {
        by: Principal::Admin {},
        at: EVENING,
        op: allow(vec![StaffRole::Screen]),
    };
    assert!(decide(&state, &screen).is_err(), "a screen never exports");
    let op = allow(vec![
        StaffRole::Observer,
        StaffRole::Clerk,
        StaffRole::Clerk,
    ]);
    run(&mut state, Principal::Admin {}, op);
    assert_eq!(
        state.settings.export_roles,
        [StaffRole::Clerk, StaffRole::Observer],
        "one order, once each"
    );
    assert_eq!(export(&state, &clerk), Ok(()));
    let screen = Principal::Staff { id: StaffId(2) };
    assert_eq!(
        export(&state, &screen),
        Err(crate::queue::Rejection::Forbidden)
    );
    run(&mut state, Principal::Admin {}, allow(Vec::new()));
    assert_eq!(
        export(&state, &clerk),
        Err(crate::queue::Rejection::Forbidden)
    );
}

fn export_op(format: &str) -> Op {
    Op::Export {
        format: format.into(),
    }
}

#[test]
fn formula_looking_cells_get_a_quote() {
    for hostile in ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"] {
        assert_eq!(neutralise(hostile), format!("'{hostile}"));
    }
    for plain in ["Câu hỏi về đất đai", "1+1", "a=b", "", "'quoted"] {
        assert_eq!(neutralise(plain), plain);
    }
}

#[test]
fn a_cell_longer_than_excel_takes_is_cut_in_the_xlsx_only() {
    let long = "Trả lời rất dài. ".repeat(2_500);
    let cut = xlsx::fitted(long.clone());
    assert_eq!(cut.encode_utf16().count(), 32_767);
    assert!(cut.ends_with('…') && long.starts_with(cut.trim_end_matches('…')));
    assert_eq!(xlsx::fitted("ngắn".into()), "ngắn");
    let mut state = event();
    ask(&mut state, "p1", "Câu hỏi", Identity::Named);
    let mut rows = rows(&state);
    rows[0].text = long.clone();
    let export = Export {
        event: Header {
            title: "Hội nghị".into(),
            join_code: "K7PQ2M".into(),
            exported_at: EVENING,
            entries_seq: 2,
            chain_head: String::new(),
        },
        questions: rows,
    };
    assert!(xlsx(&export).is_ok());
    let csv = String::from_utf8(csv(&export).unwrap()).unwrap();
    assert!(csv.contains(&long));
}

#[test]
fn times_are_in_the_meetings_zone() {
    assert_eq!(local_time(EVENING), "03/12/2026 20:00");
    // 23:30 UTC is already the next morning in Hà Nội.
    assert_eq!(local_time(EVENING + 37_800_000), "04/12/2026 06:30");
    assert_eq!(local_date("2026-12-17"), "17/12/2026");
    assert_eq!(
        file_name("K7PQ2M", EVENING + 37_800_000, "csv"),
        "hoidap-K7PQ2M-20261204.csv"
    );
}

/// How long an export of a full event takes (1,000 questions, the
/// per-event quota, at the 500-character default length, one in ten
/// forwarded): `cargo test --release -p hoidap-server --lib
/// export_time -- --ignored --nocapture`.
#[test]
#[ignore]
fn export_time_of_a_full_event() {
    let mut state = event();
    let text: String = "Đề nghị làm rõ tiến độ giải phóng mặt bằng dự án. "
        .chars()
        .cycle()
        .take(494)
        .collect();
    for n in 0..1000 {
        // Distinct texts: the XLSX shares repeated strings.
        ask(
            &mut state,
            &format!("p{n}"),
            &format!("{n}. {text}"),
            Identity::Named,
        );
    }
    for q in (1..=1000).step_by(10) {
        run(&mut state, Principal::moderator_link(), forward(q));
    }
    let started = std::time::Instant::now();
    let rows = rows(&state);
    let read = started.elapsed();
    let export = Export {
        event: Header {
            title: state.title.clone(),
            join_code: "K7PQ2M".into(),
            exported_at: EVENING,
            entries_seq: state.seq,
            chain_head: String::new(),
        },
        questions: rows,
    };
    for (format, write) in [
        ("csv", csv as fn(&Export) -> Result<Vec<u8>, ExportError>),
        ("xlsx", xlsx),
        ("json", json),
    ] {
        let started = std::time::Instant::now();
        let bytes = write(&export).unwrap();
        println!(
            "{format}: {:?} to write {} bytes (rows read in {read:?})",
            started.elapsed(),
            bytes.len()
        );
    }
}

fn forward(question: QuestionId) -> Op {
    Op::Client(Action::Forward {
        question,
        authority: "Sở Tài nguyên và Môi trường".into(),
        reason: None,
    })
}
