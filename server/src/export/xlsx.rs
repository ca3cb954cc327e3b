//! The XLSX export: a sheet per view of the meeting's record, a frozen
//! header row, column widths, numbers as numbers and times as Excel
//! dates in the meeting's time zone; a last sheet, "Thông tin", with the
//! event, the export's time and log position and the chain head.
//!
//! Cells are written as typed strings, never as formulas, so the text is
//! kept exactly as asked (no `'` as in the CSV): a spreadsheet does not
//! evaluate a string cell of an XLSX file.

use super::{Cell, Export, ExportError, HEADERS, Row, cells};
use hoidap_protocol::QuestionStatus;
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook, Worksheet};

/// The sheets: every question, those answered in writing, those forwarded.
/// Which rows a sheet holds.
type Keep = fn(&Row) -> bool;

const SHEETS: [(&str, Keep); 3] = [
    ("Tất cả câu hỏi", |_| true),
    ("Trả lời bằng văn bản", |r| {
        matches!(
            r.status,
            QuestionStatus::InWriting
                | QuestionStatus::NotSatisfied
                | QuestionStatus::AnsweredInWriting
        )
    }),
    ("Đã chuyển", |r| r.status == QuestionStatus::Forwarded),
];

/// Column widths in characters, by `HEADERS` column: the texts wide, the
/// numbers narrow.
const WIDTHS: [f64; 16] = [
    10.0, 20.0, 22.0, 22.0, 24.0, 20.0, 60.0, 40.0, 11.0, 22.0, 17.0, 17.0, 12.0, 24.0, 60.0, 11.0,
];

const OFFSET_SECS: i64 = 7 * 3600;

/// Excel's limit on a cell, in characters (UTF-16 units, which for
/// Vietnamese are characters): the written answers of a question answered
/// again and again can pass it, and rust_xlsxwriter refuses the cell.
const MAX_CELL: usize = 32_767;

/// `text`, cut to what a cell holds, the cut marked; the CSV and the JSON
/// keep it whole.
pub(super) fn fitted(text: String) -> String {
    if text.encode_utf16().count() <= MAX_CELL {
        return text;
    }
    let mut out = String::new();
    let mut units = 0;
    for c in text.chars() {
        units += c.len_utf16();
        if units > MAX_CELL - 1 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

pub fn xlsx(export: &Export) -> Result<Vec<u8>, ExportError> {
    let mut book = Workbook::new();
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let formats = Formats {
        text: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        time: Format::new()
            .set_num_format("dd/mm/yyyy hh:mm")
            .set_align(FormatAlign::Top),
        date: Format::new()
            .set_num_format("dd/mm/yyyy")
            .set_align(FormatAlign::Top),
    };
    for (name, keep) in SHEETS {
        let sheet = book.add_worksheet();
        sheet.set_name(name)?;
        for (col, (title, width)) in HEADERS.iter().zip(WIDTHS).enumerate() {
            let col = col as u16;
            sheet.write_string_with_format(0, col, *title, &header)?;
            sheet.set_column_width(col, width)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        let rows = export.questions.iter().filter(|r| keep(r));
        for (n, row) in rows.enumerate() {
            write_row(sheet, n as u32 + 1, row, &formats)?;
        }
    }
    let about = book.add_worksheet();
    about.set_name(ABOUT)?;
    about.set_column_width(0, 24.0)?;
    about.set_column_width(1, 70.0)?;
    let event = &export.event;
    let texts = [
        ("Tên sự kiện", Cell::Text(event.title.clone())),
        ("Mã tham gia", Cell::Text(event.join_code.clone())),
        ("Thời điểm xuất", Cell::Time(event.exported_at)),
        ("Vị trí trong nhật ký", Cell::Number(event.entries_seq)),
        ("Đầu chuỗi băm", Cell::Text(event.chain_head.clone())),
    ];
    for (n, (label, value)) in texts.into_iter().enumerate() {
        about.write_string_with_format(n as u32, 0, label, &header)?;
        write_cell(about, n as u32, 1, value, &formats)?;
    }
    Ok(book.save_to_buffer()?)
}

/// The sheet about the export itself.
pub const ABOUT: &str = "Thông tin";

struct Formats {
    text: Format,
    time: Format,
    date: Format,
}

fn write_row(sheet: &mut Worksheet, at: u32, row: &Row, f: &Formats) -> Result<(), ExportError> {
    for (col, cell) in cells(row).into_iter().enumerate() {
        write_cell(sheet, at, col as u16, cell, f)?;
    }
    Ok(())
}

fn write_cell(
    sheet: &mut Worksheet,
    at: u32,
    col: u16,
    cell: Cell,
    f: &Formats,
) -> Result<(), ExportError> {
    match cell {
        Cell::Text(t) => {
            sheet.write_string_with_format(at, col, fitted(t), &f.text)?;
        }
        Cell::Number(n) => {
            sheet.write_number(at, col, n as f64)?;
        }
        Cell::Time(ms) => {
            // Excel has no time zones: the meeting's wall-clock time.
            let local = ExcelDateTime::from_timestamp(ms as i64 / 1000 + OFFSET_SECS)?;
            sheet.write_datetime_with_format(at, col, local, &f.time)?;
        }
        Cell::Date(d) => match ExcelDateTime::parse_from_str(&d) {
            Ok(day) => {
                sheet.write_datetime_with_format(at, col, day, &f.date)?;
            }
            Err(_) => {
                sheet.write_string_with_format(at, col, d, &f.text)?;
            }
        },
        Cell::Empty => {}
    }
    Ok(())
}
