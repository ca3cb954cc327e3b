//! Exports of an event's questions: the organiser's and the chair's record
//! of the meeting, during it and after (CSV, XLSX, JSON).
//!
//! Pure: `rows` reads the state through `queue::view` (the panel's view),
//! so who an export names is what the panel may see and nothing more: a
//! question anonymous to everyone names its level, never a person, a unit
//! or a participant id (its name and unit were never kept, and the panel's
//! view does not link it to its asker). Participant ids are in no export.
//!
//! Dates are in the meeting's time zone (UTC+7, see `queue::due`).

pub mod audit;
mod csv;
mod json;
mod xlsx;

pub use audit::{Audit, audit};
pub use csv::{audit_csv, csv, neutralise};
pub use json::{audit_json, json};
pub use xlsx::xlsx;

use crate::queue::view::{self, Audience};
use crate::queue::{State, due};
use hoidap_protocol::{Identity, QuestionId, QuestionStatus, Seq, StepKind};
use serde::Serialize;

/// The meeting's offset from UTC (Vietnam, no daylight saving).
const OFFSET_MS: i64 = 7 * 3_600_000;

/// Writing an export failed (a bug or memory, never the data: every
/// string in the state is valid text).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("writing the CSV: {0}")]
    Csv(#[from] ::csv::Error),
    #[error("writing the XLSX: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("writing the JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// One export: the event, and its questions by reference number.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub event: Header,
    pub questions: Vec<Row>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub title: String,
    pub join_code: String,
    /// Milliseconds since the Unix epoch: the `exported` entry's time.
    pub exported_at: u64,
    /// The log position the rows are read at: the `exported` entry's.
    pub entries_seq: Seq,
    /// Hex SHA-256 of the `exported` entry: the chain head at
    /// `entries_seq`, as `hoidap verify` prints it once that entry was the
    /// last. Read from the log after the entry committed (`export_api`).
    pub chain_head: String,
}

/// One question as the export shows it (the JSON schema's `question`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub id: QuestionId,
    pub topic: Option<String>,
    /// The official the question is addressed to (Kính gửi), by name.
    pub addressed_to: Option<String>,
    /// That official's staff id (`s3`).
    pub official: Option<String>,
    pub identity: Identity,
    /// The asker's name and unit as the panel sees them; both `None` for a
    /// question anonymous to everyone, whatever the state held.
    pub name: Option<String>,
    pub unit: Option<String>,
    pub text: String,
    /// The text as first asked, when a moderator edited it.
    pub original_text: Option<String>,
    pub votes: u32,
    pub status: QuestionStatus,
    pub asked_at: u64,
    /// The last time it was marked answered in the meeting.
    pub answered_live_at: Option<u64>,
    /// `YYYY-MM-DD`, the written answer's due date.
    pub due: Option<String>,
    /// The outside authority it was forwarded to.
    pub forwarded_to: Option<String>,
    /// Published written answers, oldest first.
    pub answers: Vec<WrittenAnswer>,
    pub merged_into: Option<QuestionId>,
    /// The asker's name and unit were detached (`queue::privacy`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub detached: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WrittenAnswer {
    pub text: String,
    pub signed_by: String,
    pub published_at: u64,
}

/// The questions of `state`, by reference number, as the panel sees them.
pub fn rows(state: &State) -> Vec<Row> {
    state
        .questions
        .values()
        .filter_map(|q| {
            let seen = view::question(state, q, Audience::Moderator)?;
            let anonymous = seen.identity == Identity::Anonymous;
            let answered_live_at = seen
                .follow
                .history
                .iter()
                .rev()
                .find(|s| s.kind == StepKind::AnsweredLive)
                .map(|s| s.at);
            let official = seen.follow.official.clone();
            let addressed_to = q
                .follow
                .official
                .and_then(|id| state.staff.get(&id))
                .map(|m| m.name.clone())
                .or_else(|| official.clone());
            let topic = seen
                .follow
                .topic
                .and_then(|t| state.topics.iter().find(|x| x.id == t))
                .map(|t| t.name.clone());
            Some(Row {
                id: seen.id,
                topic,
                addressed_to,
                official,
                identity: seen.identity,
                // The view never has them for this level; the export says
                // so itself rather than trusting every future view.
                name: seen.name.filter(|_| !anonymous),
                unit: seen.unit.filter(|_| !anonymous),
                text: seen.text,
                original_text: seen.original_text,
                votes: seen.votes,
                status: seen.status,
                asked_at: seen.created_at,
                answered_live_at,
                due: seen.follow.due,
                forwarded_to: seen.follow.authority,
                answers: seen
                    .follow
                    .answers
                    .into_iter()
                    .filter(|a| a.published)
                    .map(|a| WrittenAnswer {
                        text: a.text,
                        signed_by: a.signed_by,
                        published_at: a.at,
                    })
                    .collect(),
                merged_into: seen.follow.merged_into,
                detached: q.detached,
            })
        })
        .collect()
}

/// The columns of the CSV and of every XLSX sheet, in order.
pub const HEADERS: [&str; 16] = [
    "Số thứ tự",
    "Lĩnh vực",
    "Kính gửi",
    "Người hỏi",
    "Đơn vị",
    "Hiển thị người hỏi",
    "Nội dung",
    "Nội dung gốc",
    "Lượt ủng hộ",
    "Trạng thái",
    "Thời gian gửi",
    "Trả lời tại hội nghị lúc",
    "Hạn trả lời",
    "Chuyển đến",
    "Trả lời bằng văn bản",
    "Gộp vào câu",
];

/// A cell of the table form (CSV, XLSX): XLSX writes numbers and times as
/// such, CSV as the text `Cell::text` gives.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(u64),
    /// Milliseconds since the Unix epoch, shown in the meeting's time.
    Time(u64),
    /// `YYYY-MM-DD`, a local date.
    Date(String),
    Empty,
}

impl Cell {
    fn text_of(value: Option<String>) -> Cell {
        value.map_or(Cell::Empty, Cell::Text)
    }

    /// The cell as CSV writes it (before neutralising).
    pub fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Number(n) => n.to_string(),
            Cell::Time(at) => local_time(*at),
            Cell::Date(d) => local_date(d),
            Cell::Empty => String::new(),
        }
    }
}

/// The row's cells, one per `HEADERS` column.
pub fn cells(row: &Row) -> Vec<Cell> {
    let answers = row
        .answers
        .iter()
        .enumerate()
        .map(|(n, a)| {
            let day = due::format_day(due::local_day(a.published_at));
            format!(
                "Trả lời lần {} ({}, {}): {}",
                n + 1,
                a.signed_by,
                local_date(&day),
                a.text
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    vec![
        Cell::Number(row.id),
        Cell::text_of(row.topic.clone()),
        Cell::text_of(row.addressed_to.clone()),
        Cell::text_of(row.name.clone()),
        Cell::text_of(row.unit.clone()),
        Cell::Text(match row.detached {
            true => format!("{} (đã gỡ danh tính)", identity_words(row.identity)),
            false => identity_words(row.identity).to_owned(),
        }),
        Cell::Text(row.text.clone()),
        Cell::text_of(row.original_text.clone()),
        Cell::Number(u64::from(row.votes)),
        Cell::Text(status_words(row.status).to_owned()),
        Cell::Time(row.asked_at),
        row.answered_live_at.map_or(Cell::Empty, Cell::Time),
        row.due.clone().map_or(Cell::Empty, Cell::Date),
        Cell::text_of(row.forwarded_to.clone()),
        if answers.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(answers)
        },
        row.merged_into.map_or(Cell::Empty, Cell::Number),
    ]
}

/// The identity levels as the asker chose them on the phone.
pub fn identity_words(identity: Identity) -> &'static str {
    match identity {
        Identity::Named => "Ghi tên và đơn vị",
        Identity::UnitOnly => "Chỉ ghi đơn vị",
        Identity::HiddenFromHall => "Ẩn danh với hội trường",
        Identity::Anonymous => "Ẩn danh hoàn toàn",
    }
}

/// Statuses in the panel's words.
pub fn status_words(status: QuestionStatus) -> &'static str {
    match status {
        QuestionStatus::Pending => "Chờ duyệt",
        QuestionStatus::Live => "Đang mở",
        QuestionStatus::Answered => "Đã trả lời tại hội nghị",
        QuestionStatus::Hidden => "Đã ẩn",
        QuestionStatus::InWriting => "Trả lời bằng văn bản",
        QuestionStatus::Forwarded => "Đã chuyển",
        QuestionStatus::AnsweredInWriting => "Đã trả lời bằng văn bản",
        QuestionStatus::NotSatisfied => "Chưa thỏa đáng",
    }
}

/// `dd/mm/yyyy hh:mm` in the meeting's time.
pub fn local_time(at: u64) -> String {
    let local = at as i64 + OFFSET_MS;
    let minutes = local.div_euclid(60_000).rem_euclid(24 * 60);
    let day = due::format_day(due::local_day(at));
    format!(
        "{} {:02}:{:02}",
        local_date(&day),
        minutes / 60,
        minutes % 60
    )
}

/// `YYYY-MM-DD` as `dd/mm/yyyy`, how dates are written in Vietnam.
pub fn local_date(day: &str) -> String {
    match day.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => day.to_owned(),
    }
}

/// The file name of an export: `hoidap-CODE-YYYYMMDD.EXT`, the local
/// date; an audit's `hoidap-CODE-YYYYMMDD-audit.EXT`.
pub fn file_name(join_code: &str, at: u64, format: &str) -> String {
    let day = due::format_day(due::local_day(at)).replace('-', "");
    match format.strip_prefix("audit_") {
        Some(ext) => format!("hoidap-{join_code}-{day}-audit.{ext}"),
        None => format!("hoidap-{join_code}-{day}.{format}"),
    }
}

/// Whether `format` is the audit trail's rather than the questions'.
pub fn is_audit(format: &str) -> bool {
    format.starts_with("audit_")
}

/// The label of the CSV exports' last row: `Chuỗi băm`, the entries, the
/// head (the question export's and the audit's alike).
pub const CHAIN_LABEL: &str = "Chuỗi băm";

#[cfg(test)]
mod tests;
