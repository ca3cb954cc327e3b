//! The delegate roster: reading the list an organiser exports from Excel.
//!
//! A province's meeting has its delegates (name, unit, position) in a
//! spreadsheet already; the organiser uploads it as XLSX or as CSV, and the
//! console shows what was wrong, row by row, in the row numbers Excel shows.
//! Reading is pure (bytes in, rows or errors out) and all-or-nothing: half a
//! roster imported is worse than none, since the organiser would not know
//! which half. The admin API and the log are wired by their own modules.

pub mod codes;
mod import;
#[cfg(test)]
mod tests;

pub use import::parse;

use serde::Serialize;

/// A larger file is refused before it is read: 5,000 delegates with long
/// units are well under 1 MiB of CSV, and an XLSX is compressed.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Rows besides the header; a provincial meeting has a few hundred.
pub const MAX_ROWS: usize = 5_000;
/// Characters, like the asker fields a delegate types themselves.
pub const MAX_NAME: usize = crate::queue::MAX_NAME;
pub const MAX_UNIT: usize = crate::queue::MAX_UNIT;
pub const MAX_POSITION: usize = 120;

/// One delegate, as read: trimmed, NFC, blank optional cells as `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// The row number Excel shows (the header is usually row 1).
    pub line: usize,
    pub name: String,
    pub unit: Option<String>,
    pub position: Option<String>,
}

/// The roster's columns, named in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Name,
    Unit,
    Position,
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Field::Name => "name (Họ và tên)",
            Field::Unit => "unit (Đơn vị)",
            Field::Position => "position (Chức vụ)",
        })
    }
}

/// Why one row was refused. Serialised with its stable `code`, for the
/// HTTP API and the console's translations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum RowReason {
    #[error("the name (Họ và tên) is empty")]
    EmptyName,
    #[error("the {field} is {len} characters long; the limit is {max}")]
    TooLong {
        field: Field,
        len: usize,
        max: usize,
    },
    #[error(
        "the {field} contains an invalid character (U+{code_point:04X}): a control or text-direction character, often pasted from another program"
    )]
    InvalidCharacters { field: Field, code_point: u32 },
    #[error("the same name and unit as row {first_line}")]
    Duplicate { first_line: usize },
    /// Imported before (same name and unit): importing twice would give
    /// one person two cards.
    #[error("already on the roster (delegate {id})")]
    OnRoster { id: String },
}

impl RowReason {
    pub fn code(&self) -> &'static str {
        match self {
            RowReason::EmptyName => "empty_name",
            RowReason::TooLong { .. } => "too_long",
            RowReason::InvalidCharacters { .. } => "invalid_characters",
            RowReason::Duplicate { .. } => "duplicate",
            RowReason::OnRoster { .. } => "on_roster",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("row {line}: {reason}")]
pub struct RowError {
    pub line: usize,
    #[serde(flatten)]
    pub reason: RowReason,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Not a file we can read (a damaged XLSX, an old .xls, UTF-16 text…);
    /// the message says what to save it as instead.
    #[error("{0}")]
    Format(String),
    #[error(
        "the file is not UTF-8 text (first bad byte on line {line}): in Excel, use File → Save As → \"CSV UTF-8 (Comma delimited) (*.csv)\", or save as .xlsx"
    )]
    NotUtf8 { line: usize },
    #[error(
        "no name column: the header row must have a column \"Họ và tên\" (or \"Họ tên\", \"Tên\", \"Name\"); first row: {}",
        found_list(.found)
    )]
    NoNameColumn { found: Vec<String> },
    #[error("the file has no delegates: a header row and at least one row below it are needed")]
    Empty,
    #[error("the file has more than {max} delegates")]
    TooMany { max: usize },
    #[error("the file is {len} bytes; the limit is {max} bytes (2 MiB)")]
    TooLarge { len: usize, max: usize },
    /// Every bad row, so the organiser fixes the file once; nothing imported.
    #[error("{} row(s) to correct; nothing was imported", .0.len())]
    Rows(Vec<RowError>),
}

impl ImportError {
    /// Stable, for the HTTP API and the console's translations.
    pub fn code(&self) -> &'static str {
        match self {
            ImportError::Format(_) => "format",
            ImportError::NotUtf8 { .. } => "not_utf8",
            ImportError::NoNameColumn { .. } => "no_name_column",
            ImportError::Empty => "empty",
            ImportError::TooMany { .. } => "too_many",
            ImportError::TooLarge { .. } => "too_large",
            ImportError::Rows(_) => "rows",
        }
    }
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        return "no headers".into();
    }
    found
        .iter()
        .map(|h| format!("\"{h}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The template the console offers for download: what `parse` reads best
/// (UTF-8 with a BOM, so Excel opens it with its diacritics; `;`, which
/// Vietnamese Excel expects as the list separator). STT is ignored.
pub fn sample_csv() -> &'static str {
    "\u{FEFF}STT;Họ và tên;Đơn vị;Chức vụ\r\n\
     1;Nguyễn Văn An;Sở Nội vụ;Giám đốc\r\n\
     2;Trần Thị Bích Ngọc;UBND huyện Đông Anh;Phó Chủ tịch\r\n"
}
