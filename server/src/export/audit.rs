//! The audit export: every action of the staff and the organiser on an
//! event, in log order, with who, when and where in the log, ending with
//! the chain head, so a printed report can later be checked against the
//! data (`hoidap verify` prints the same head).
//!
//! Pure: the rows are read from the log's entries, each described against
//! the state just before it (who the staff member was then, the topic's
//! name, the settings it changed). Asks and votes are not actions here
//! (they are the questions' own record, in the question export). An
//! attendee's action (not satisfied) names "the asker" and nothing more:
//! no participant, delegate or pseudonym id, no name, whatever the
//! question's level, so a question anonymous to everyone stays so. No
//! answer or question text is copied: "answer 2 drafted", not its words.

use super::{Header, OFFSET_MS, local_date, status_words};
use crate::queue::privacy::DetachReason;
use crate::queue::{Entry, Event, Principal, Signer, StaffId, State, due, evolve};
use hoidap_protocol::{QuestionId, Role, Seq, Settings, StaffRole};
use serde::Serialize;

/// The audit of an event up to and including its own `exported` entry.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub event: Header,
    pub actions: Vec<AuditRow>,
    pub chain: Chain,
}

/// The chain at the audit's own entry: what `hoidap verify` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chain {
    pub entries: Seq,
    /// Hex SHA-256, 64 lowercase characters.
    pub head: String,
}

/// One action (the JSON schema's `action`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditRow {
    /// The entry's position in the log.
    pub seq: Seq,
    /// Milliseconds since the Unix epoch.
    pub at: u64,
    /// The same instant in the meeting's time, ISO 8601 with `+07:00`.
    pub time: String,
    pub principal: Who,
    /// A machine code (`approved`, `answer_drafted`…).
    pub action: &'static str,
    /// The action in Vietnamese.
    pub words: &'static str,
    pub question: Option<QuestionId>,
    /// What it set (status, due date, authority, format…), in Vietnamese.
    pub details: String,
}

/// Who acted, as the audit may say it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Who {
    /// `staff`, `organiser`, `link` (a shared per-role link) or `asker`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<String>,
    /// The staff member's name at that position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The staff member's role then, or the shared link's role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
}

/// The audit of `entries` (the event's, from its first), up to and
/// including `header.entries_seq`, the audit's own entry.
pub fn audit(header: Header, entries: &[Entry]) -> Audit {
    let mut state = State::default();
    let mut actions = Vec::new();
    for entry in entries.iter().take_while(|e| e.seq <= header.entries_seq) {
        if let Some((action, words, question, details)) = describe(&state, &entry.event) {
            actions.push(AuditRow {
                seq: entry.seq,
                at: entry.at,
                time: iso_time(entry.at),
                principal: who(&state, &entry.by),
                action,
                words,
                question,
                details,
            });
        }
        evolve(&mut state, entry);
    }
    let chain = Chain {
        entries: header.entries_seq,
        head: header.chain_head.clone(),
    };
    Audit {
        event: header,
        actions,
        chain,
    }
}

fn who(state: &State, by: &Principal) -> Who {
    let bare = |kind| Who {
        kind,
        staff_id: None,
        name: None,
        role: None,
    };
    match by {
        Principal::Staff { id } => {
            let member = state.staff.get(id);
            Who {
                kind: "staff",
                staff_id: Some(id.to_string()),
                name: member.map(|m| m.name.clone()),
                role: member.map(|m| staff_role_code(m.role)),
            }
        }
        Principal::Admin {} => bare("organiser"),
        Principal::Link { role } => Who {
            role: Some(link_role_code(*role)),
            ..bare("link")
        },
        // Never an id: a sealed pseudonym or a participant id would link
        // the action to the asker's other questions.
        Principal::Participant { .. } | Principal::Delegate { .. } | Principal::Sealed { .. } => {
            bare("asker")
        }
    }
}

impl Who {
    /// The principal in words (the CSV's "Người thực hiện").
    pub fn words(&self) -> String {
        match self.kind {
            "staff" => self.name.clone().unwrap_or_else(|| "Cán bộ".to_owned()),
            "organiser" => "Ban tổ chức".to_owned(),
            "link" => "Đường dẫn chung".to_owned(),
            _ => "Người hỏi".to_owned(),
        }
    }

    /// The role in words (the CSV's "Vai trò").
    pub fn role_words(&self) -> &'static str {
        match self.role {
            Some("chair") => "Chủ tọa",
            Some("moderator") => "Điều hành viên",
            Some("screen") => "Màn hình",
            Some("observer") => "Quan sát viên",
            Some("official") => "Người trả lời",
            Some("clerk") => "Thư ký",
            Some("attendee") => "Đại biểu",
            _ => "",
        }
    }
}

pub fn staff_role_code(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Chair => "chair",
        StaffRole::Moderator => "moderator",
        StaffRole::Screen => "screen",
        StaffRole::Observer => "observer",
        StaffRole::Official => "official",
        StaffRole::Clerk => "clerk",
    }
}

fn link_role_code(role: Role) -> &'static str {
    match role {
        Role::Moderator => "moderator",
        Role::Screen => "screen",
        Role::Attendee => "attendee",
    }
}

type Described = (&'static str, &'static str, Option<QuestionId>, String);

/// The entry as an action, against the state before it; `None` for what
/// is not one (asks, votes, a card claimed on a device).
fn describe(state: &State, event: &Event) -> Option<Described> {
    let on = |q: &QuestionId| Some(*q);
    let staff = |id: &StaffId| match state.staff.get(id) {
        Some(m) => format!("{} ({id})", m.name),
        None => id.to_string(),
    };
    Some(match event {
        Event::Asked { .. } | Event::Voted { .. } | Event::DelegateClaimed { .. } => return None,
        Event::Created { title, .. } => ("created", "Tạo sự kiện", None, title.clone()),
        Event::StatusSet {
            question,
            status,
            from,
        } => {
            let (code, words) = status_action(*from, *status);
            let details = format!("{} → {}", status_words(*from), status_words(*status));
            (code, words, on(question), details)
        }
        Event::Edited { question, .. } => (
            "edited",
            "Sửa nội dung câu hỏi",
            on(question),
            String::new(),
        ),
        Event::CurrentSet { question: Some(q) } => (
            "current_set",
            "Đưa câu hỏi lên màn hình",
            Some(*q),
            String::new(),
        ),
        Event::CurrentSet { question: None } => (
            "current_cleared",
            "Bỏ câu hỏi đang trả lời",
            None,
            String::new(),
        ),
        Event::SettingsSet { settings } => {
            let before = &state.settings;
            let only_screen = Settings {
                screen: settings.screen,
                ..before.clone()
            } == *settings;
            let details = settings_changes(before, settings);
            if only_screen {
                ("screen_set", "Đổi cài đặt màn hình chiếu", None, details)
            } else {
                ("settings_set", "Đổi cài đặt sự kiện", None, details)
            }
        }
        Event::PhaseSet { phase } => ("phase_set", "Đổi giai đoạn", None, phase_words(*phase)),
        Event::TitleSet { title } => ("title_set", "Đổi tên sự kiện", None, title.clone()),
        Event::StaffAdded { id, name, role, .. } => (
            "staff_added",
            "Thêm cán bộ",
            None,
            format!("{name} ({id}), {}", role_words(*role)),
        ),
        Event::StaffChanged { id, name, role } => {
            let mut parts = vec![staff(id)];
            if let Some(name) = name {
                parts.push(format!("tên mới: {name}"));
            }
            if let Some(role) = role {
                parts.push(format!("vai trò mới: {}", role_words(*role)));
            }
            (
                "staff_changed",
                "Sửa thông tin cán bộ",
                None,
                parts.join(", "),
            )
        }
        Event::StaffRevoked { id } => {
            ("staff_revoked", "Thu hồi đường dẫn cán bộ", None, staff(id))
        }
        Event::StaffReissued { id, .. } => (
            "staff_reissued",
            "Cấp lại đường dẫn cán bộ",
            None,
            staff(id),
        ),
        Event::DelegatesAdded { delegates } => (
            "delegates_added",
            "Nhập danh sách đại biểu",
            None,
            format!("{} đại biểu", delegates.len()),
        ),
        Event::DelegateReset { id, .. } => (
            "delegate_reset",
            "Cấp lại mã đại biểu",
            None,
            id.to_string(),
        ),
        Event::TopicsSet { topics } => {
            let names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
            ("topics_set", "Đặt các lĩnh vực", None, names.join("; "))
        }
        Event::Routed {
            question,
            topic,
            official,
            reason,
        } => {
            let topic = topic
                .and_then(|t| state.topics.iter().find(|x| x.id == t))
                .map_or("không có".to_owned(), |t| t.name.clone());
            let to = official.as_ref().map_or("chưa giao".to_owned(), staff);
            let mut details = format!("lĩnh vực: {topic}; kính gửi: {to}");
            with_reason(&mut details, reason.as_deref());
            (
                "routed",
                "Phân lĩnh vực, người trả lời",
                on(question),
                details,
            )
        }
        Event::InWriting {
            question,
            official,
            due,
            ..
        } => (
            "in_writing",
            "Chuyển trả lời bằng văn bản",
            on(question),
            format!(
                "người trả lời: {}; hạn: {}",
                staff(official),
                local_date(due)
            ),
        ),
        Event::DueExtended {
            question,
            due,
            reason,
        } => {
            let mut details = format!("hạn mới: {}", local_date(due));
            with_reason(&mut details, Some(reason));
            ("due_extended", "Gia hạn trả lời", on(question), details)
        }
        Event::Forwarded {
            question,
            authority,
            reason,
            ..
        } => {
            let mut details = format!("chuyển đến: {authority}");
            with_reason(&mut details, reason.as_deref());
            ("forwarded", "Chuyển cơ quan khác", on(question), details)
        }
        Event::AnswerDrafted {
            question,
            answer,
            signer,
            ..
        } => {
            let signed = match signer {
                Signer::Official(id) => staff(id),
                Signer::Authority(name) => name.clone(),
            };
            let details = format!("trả lời số {answer} (ký: {signed})");
            ("answer_drafted", "Soạn trả lời", on(question), details)
        }
        Event::AnswerPublished {
            question, answer, ..
        } => (
            "answer_published",
            "Công bố trả lời",
            on(question),
            format!("trả lời số {answer}"),
        ),
        // The asker's reason is their own words about their question:
        // it stays with the question, not in a list of who did what.
        Event::NotSatisfied { question, .. } => (
            "not_satisfied",
            "Người hỏi chưa thỏa đáng",
            on(question),
            String::new(),
        ),
        Event::Merged { question, into } => (
            "merged",
            "Gộp câu hỏi",
            on(question),
            format!("vào câu {into}"),
        ),
        Event::Unmerged { question, from } => (
            "unmerged",
            "Tách câu hỏi",
            on(question),
            format!("khỏi câu {from}"),
        ),
        Event::Exported { format } => (
            "exported",
            "Xuất dữ liệu",
            None,
            format!("định dạng: {format}"),
        ),
        // Names no one: the questions by number, how many entries lost
        // their names (the chain vouches for them, `queue::privacy`).
        Event::Detached {
            reason,
            questions,
            delegates,
            redacted,
        } => {
            let why = match reason {
                DetachReason::Retention => "hết thời hạn lưu",
                DetachReason::Request => "theo yêu cầu",
            };
            let numbers: Vec<String> = questions.iter().map(|q| format!("#{q}")).collect();
            let details = format!(
                "{why}; câu hỏi: {}; {} đại biểu; {} mục nhật ký được ghi lại không còn tên",
                if numbers.is_empty() {
                    "không có".to_owned()
                } else {
                    numbers.join(", ")
                },
                delegates.len(),
                redacted.len()
            );
            ("detached", "Gỡ danh tính người hỏi", None, details)
        }
    })
}

pub fn role_words(role: StaffRole) -> &'static str {
    Who {
        kind: "staff",
        staff_id: None,
        name: None,
        role: Some(staff_role_code(role)),
    }
    .role_words()
}

/// `YYYY-MM-DDThh:mm:ss+07:00`: the instant in the meeting's time.
pub fn iso_time(at: u64) -> String {
    let local = at as i64 + OFFSET_MS;
    let secs = local.div_euclid(1000).rem_euclid(86_400);
    let day = due::format_day(due::local_day(at));
    format!(
        "{day}T{:02}:{:02}:{:02}+07:00",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The CSV's columns, in order.
pub const AUDIT_HEADERS: [&str; 9] = [
    "Vị trí",
    "Thời gian",
    "Người thực hiện",
    "Vai trò",
    "Mã cán bộ",
    "Thao tác",
    "Mã thao tác",
    "Câu hỏi",
    "Chi tiết",
];

impl AuditRow {
    /// The row's cells, one per `AUDIT_HEADERS` column (before neutralising).
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.seq.to_string(),
            self.time.clone(),
            self.principal.words(),
            self.principal.role_words().to_owned(),
            self.principal.staff_id.clone().unwrap_or_default(),
            self.words.to_owned(),
            self.action.to_owned(),
            self.question.map(|q| q.to_string()).unwrap_or_default(),
            self.details.clone(),
        ]
    }
}

#[path = "audit_words.rs"]
mod words;
use words::{phase_words, settings_changes, status_action, with_reason};

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
