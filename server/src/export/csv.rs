//! The CSV export: what Excel opens by double-click. UTF-8 with a BOM
//! (without it Excel reads the bytes in the machine's ANSI code page and
//! the diacritics are lost), CRLF, a header row, and every cell a
//! spreadsheet could take for a formula neutralised.

use super::{Export, ExportError, HEADERS, cells};

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
    let mut out = BOM.as_bytes().to_vec();
    {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        writer.write_record(HEADERS)?;
        for row in &export.questions {
            let texts: Vec<String> = cells(row).iter().map(|c| c.text()).collect();
            writer.write_record(texts.iter().map(|t| neutralise(t).into_owned()))?;
        }
        writer.flush().map_err(csv::Error::from)?;
    }
    Ok(out)
}
