use super::*;
use crate::export::{Header, audit_csv, audit_json};
use crate::queue::DelegateId;
use hoidap_protocol::{Identity, QuestionStatus, Settings};

/// 2026-12-04 09:05:07 in Hà Nội.
const MORNING: u64 = 1_796_349_907_000;

fn entry(seq: Seq, by: Principal, event: Event) -> Entry {
    Entry {
        seq,
        at: MORNING + seq * 1000,
        by,
        req: None,
        event,
    }
}

fn header(seq: Seq) -> Header {
    Header {
        title: "Đối thoại".into(),
        join_code: "ABC123".into(),
        exported_at: MORNING,
        entries_seq: seq,
        chain_head: "ab".repeat(32),
    }
}

/// An event with a chair (s1), an anonymous question whose asker is not
/// satisfied, votes, moderation, and the audit's own export.
fn log() -> Vec<Entry> {
    let asker = Principal::Sealed {
        id: "k-secret".into(),
    };
    let chair = Principal::Staff { id: StaffId(1) };
    vec![
        entry(
            1,
            Principal::Admin {},
            Event::Created {
                title: "Đối thoại".into(),
                settings: Settings::default(),
            },
        ),
        entry(
            2,
            Principal::Admin {},
            Event::StaffAdded {
                id: StaffId(1),
                name: "Chủ tọa Lan".into(),
                role: StaffRole::Chair,
                secret_hash: "h".into(),
            },
        ),
        entry(
            3,
            asker.clone(),
            Event::Asked {
                id: 1,
                text: "=Câu hỏi bí mật".into(),
                name: None,
                unit: None,
                anonymous: true,
                identity: Some(Identity::Anonymous),
                status: QuestionStatus::Pending,
                topic: None,
                official: None,
            },
        ),
        entry(
            4,
            chair.clone(),
            Event::StatusSet {
                question: 1,
                status: QuestionStatus::Live,
                from: QuestionStatus::Pending,
            },
        ),
        entry(
            5,
            Principal::participant("p-voter"),
            Event::Voted {
                question: 1,
                up: true,
            },
        ),
        entry(
            6,
            chair.clone(),
            Event::AnswerDrafted {
                question: 1,
                answer: 1,
                text: "Nội dung trả lời dài".into(),
                signer: Signer::Official(StaffId(1)),
            },
        ),
        entry(
            7,
            asker,
            Event::NotSatisfied {
                question: 1,
                reason: "Tôi là Nguyễn Bí Mật".into(),
                from: QuestionStatus::AnsweredInWriting,
            },
        ),
        entry(
            8,
            Principal::Admin {},
            Event::StaffChanged {
                id: StaffId(1),
                name: Some("=Chủ tọa Hoa".into()),
                role: None,
            },
        ),
        entry(
            9,
            chair,
            Event::Exported {
                format: "audit_csv".into(),
            },
        ),
        entry(
            10,
            Principal::Delegate { id: DelegateId(3) },
            Event::DelegateClaimed {
                id: DelegateId(3),
                device: 1,
            },
        ),
    ]
}

#[test]
fn actions_name_staff_as_they_were_and_askers_only_as_the_asker() {
    let audit = audit(header(9), &log());
    let seqs: Vec<Seq> = audit.actions.iter().map(|a| a.seq).collect();
    assert_eq!(
        seqs,
        [1, 2, 4, 6, 7, 8, 9],
        "no ask, no vote, nothing after"
    );
    let approve = &audit.actions[2];
    assert_eq!(
        (approve.action, approve.question, approve.details.as_str()),
        ("approved", Some(1), "Chờ duyệt → Đang mở")
    );
    assert_eq!(approve.principal.name.as_deref(), Some("Chủ tọa Lan"));
    assert_eq!(approve.principal.staff_id.as_deref(), Some("s1"));
    assert_eq!(approve.principal.role, Some("chair"));
    assert_eq!(approve.time, "2026-12-04T09:05:11+07:00");
    let drafted = &audit.actions[3];
    assert_eq!(drafted.details, "trả lời số 1 (ký: Chủ tọa Lan (s1))");
    let unhappy = &audit.actions[4];
    assert_eq!(unhappy.action, "not_satisfied");
    assert_eq!(
        unhappy.principal,
        Who {
            kind: "asker",
            staff_id: None,
            name: None,
            role: None
        }
    );
    // After the rename, the new name; before it, the old one.
    assert_eq!(
        audit.actions[6].principal.name.as_deref(),
        Some("=Chủ tọa Hoa")
    );
    assert_eq!(
        audit.chain,
        Chain {
            entries: 9,
            head: "ab".repeat(32)
        }
    );
}

#[test]
fn no_text_or_asker_leaves_in_either_format() {
    let audit = audit(header(9), &log());
    let json = audit_json(&audit).unwrap();
    let csv = audit_csv(&audit).unwrap();
    for bytes in [&json, &csv] {
        let text = String::from_utf8_lossy(bytes);
        for secret in [
            "k-secret",
            "p-voter",
            "Nguyễn Bí Mật",
            "Câu hỏi bí mật",
            "Nội dung trả lời",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["chain"]["head"], "ab".repeat(32));
    assert_eq!(
        value["actions"][4]["principal"],
        serde_json::json!({"kind": "asker"})
    );
}

#[test]
fn the_csv_has_a_bom_neutralised_cells_and_the_head_last() {
    let csv = audit_csv(&audit(header(9), &log())).unwrap();
    assert!(csv.starts_with("\u{FEFF}".as_bytes()));
    let text = std::str::from_utf8(&csv[3..]).unwrap();
    let rows: Vec<Vec<String>> = ::csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 8, "7 actions and the chain");
    assert!(text.contains("\r\n"));
    assert_eq!(rows[6][2], "'=Chủ tọa Hoa", "a formula-looking name");
    assert_eq!(rows[5][8], "Chủ tọa Lan (s1), tên mới: =Chủ tọa Hoa");
    assert_eq!(rows[7][..3], ["Chuỗi băm", "9", &"ab".repeat(32)]);
    assert_eq!(rows[4][2], "Người hỏi");
}

#[test]
fn settings_changes_are_said_in_words() {
    let before = Settings::default();
    let after = Settings {
        pre_moderation: false,
        export_roles: vec![StaffRole::Clerk],
        ..before.clone()
    };
    assert_eq!(
        settings_changes(&before, &after),
        "duyệt trước: tắt; vai trò được xuất dữ liệu: Thư ký"
    );
    let mut screen = before.clone();
    screen.screen.blank = true;
    let set = Event::SettingsSet { settings: screen };
    let described = describe(&State::default(), &set).unwrap();
    assert_eq!(described.0, "screen_set");
    assert_eq!(described.3, "màn hình trống: bật");
}

#[test]
fn iso_times_are_the_meetings() {
    assert_eq!(iso_time(0), "1970-01-01T07:00:00+07:00");
    assert_eq!(iso_time(17 * 3_600_000 + 999), "1970-01-02T00:00:00+07:00");
}
