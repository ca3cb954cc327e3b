//! The CSV export: what Excel opens by double-click. UTF-8 with a BOM
//! (without it Excel reads the bytes in the machine's ANSI code page and
//! the diacritics are lost), CRLF, a header row, and every cell a
//! spreadsheet could take for a formula neutralised. The last row is the
//! chain head: `Chuỗi băm`, the entries it covers, the hex hash (padded to
//! the header's width, so every row has as many cells).

use super::audit::AUDIT_HEADERS;
use super::{Audit, CHAIN_LABEL, Export, ExportError, HEADERS, cells};

/// The byte order mark Excel looks for.
pub const BOM: &str = "\u{FEFF}";

/// Cells starting with one of these are read as a formula (`=`, `+`, `-`,
/// `@`) or can start one after the spreadsheet trims them (tab, carriage
/// return): OWASP's list for CSV injection.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `cell`, made text to a spreadsheet: a leading `'` when it could be
/// read as a formula (OWASP's advice; Excel hides the quote).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

pub fn csv(export: &Export) -> Result<Vec<u8>, ExportError> {
    let rows = export
        .questions
        .iter()
        .map(|row| cells(row).iter().map(|c| c.text()).collect());
    let head = &export.event;
    write(&HEADERS, rows, head.entries_seq, &head.chain_head)
}

/// The audit trail: a row per action, then the chain head.
pub fn audit_csv(audit: &Audit) -> Result<Vec<u8>, ExportError> {
    let rows = audit.actions.iter().map(|a| a.cells());
    write(&AUDIT_HEADERS, rows, audit.chain.entries, &audit.chain.head)
}

fn write(
    headers: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
    entries: u64,
    head: &str,
) -> Result<Vec<u8>, ExportError> {
    let mut out = BOM.as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(headers)?;
        for texts in rows {
            writer.write_record(texts.iter().map(|t| neutralise(t).into_owned()))?;
        }
        let mut last = vec![CHAIN_LABEL.to_owned(), entries.to_string(), head.to_owned()];
        last.resize(headers.len(), String::new());
        writer.write_record(last.iter().map(|t| neutralise(t).into_owned()))?;
        writer.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}
