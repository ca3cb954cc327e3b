//! Reading the bytes: XLSX (by content) or CSV as Excel writes it, then the
//! header, then every row checked.

use super::{
    Field, ImportError, MAX_BYTES, MAX_NAME, MAX_POSITION, MAX_ROWS, MAX_UNIT, RosterRow, RowError,
    RowReason,
};
use crate::queue::{TextError, clean_optional};
use calamine::{DataRef, Reader};
use std::collections::{BTreeMap, HashMap};
use unicode_normalization::UnicodeNormalization;

/// Columns read from an XLSX: the roster's are near the left; a column far
/// to the right is a note, and bounding it bounds memory.
const MAX_COLUMNS: u32 = 64;
/// Cells looked at in an XLSX, empty ones included (Excel stores cells that
/// only have a format): a legitimate roster has tens of thousands.
const MAX_CELLS: usize = 1_000_000;

/// One row of cells, with the row number Excel shows.
struct Line {
    line: usize,
    cells: Vec<String>,
}

/// Reads a roster. All or nothing: any bad row makes it `ImportError::Rows`
/// with every bad row.
pub fn parse(bytes: &[u8]) -> Result<Vec<RosterRow>, ImportError> {
    if bytes.len() > MAX_BYTES {
        return Err(ImportError::TooLarge {
            len: bytes.len(),
            max: MAX_BYTES,
        });
    }
    // By content, not by name: organisers rename files, and a browser's
    // upload says little about the type.
    let lines = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(ImportError::Format(
            "this is an old Excel 97–2003 file (.xls): open it in Excel and save it as .xlsx or \"CSV UTF-8 (Comma delimited)\"".into(),
        ));
    } else {
        read_csv(bytes)?
    };
    rows(lines)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Line>, ImportError> {
    let unreadable = |e: calamine::XlsxError| {
        ImportError::Format(format!(
            "the XLSX file cannot be read ({e}); open it in Excel and save it again as .xlsx or \"CSV UTF-8 (Comma delimited)\""
        ))
    };
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let Some(first) = book.sheet_names().first().cloned() else {
        return Err(ImportError::Empty);
    };
    // calamine holds the shared strings in memory: a crafted zip could
    // expand to about a thousand times its 2 MiB. The import is behind the
    // admin token, so that is the organiser's own file, not a stranger's.
    // Cell by cell rather than `worksheet_range`: a range is allocated
    // dense, so one stray cell at XFD1048576 would cost gigabytes.
    let mut cells = book.worksheet_cells_reader(&first).map_err(unreadable)?;
    let mut rows: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut seen = 0;
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        seen += 1;
        if seen > MAX_CELLS {
            return Err(ImportError::Format(format!(
                "the first sheet has more than {MAX_CELLS} cells; copy the list to a new workbook"
            )));
        }
        let (row, col) = cell.get_position();
        let text = cell_text(cell.get_value());
        if col >= MAX_COLUMNS || text.trim().is_empty() {
            continue;
        }
        // The header plus MAX_ROWS, and one more tells "too many".
        if rows.len() > MAX_ROWS + 1 && !rows.contains_key(&row) {
            return Err(ImportError::TooMany { max: MAX_ROWS });
        }
        let cells = rows.entry(row).or_default();
        let col = col as usize;
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
    }
    Ok(rows
        .into_iter()
        .map(|(row, cells)| Line {
            line: row as usize + 1,
            cells,
        })
        .collect())
}

/// A cell as the organiser sees it: whole numbers without ".0".
fn cell_text(value: &DataRef<'_>) -> String {
    match value {
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Empty => String::new(),
        other => calamine::Data::from(other.clone()).to_string(),
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Line>, ImportError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(ImportError::Format(
            "this is UTF-16 text (Excel's \"Unicode Text\"): in Excel, use File → Save As → \"CSV UTF-8 (Comma delimited) (*.csv)\", or save as .xlsx".into(),
        ));
    }
    // Excel's "CSV UTF-8" starts with a BOM; its other CSVs do not.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    // Excel's plain "CSV" is in the Windows code page (1258 for
    // Vietnamese): its diacritics are not UTF-8, and guessing the page
    // would mangle names silently. Refuse, saying how to save it.
    let text = std::str::from_utf8(body).map_err(|e| ImportError::NotUtf8 {
        line: body[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1,
    })?;
    // Excel writes and reads a first line `sep=;` naming the delimiter; it
    // does not show it as a row.
    let first_line = text.lines().next().unwrap_or("").trim();
    let (delimiter, body) = match first_line.strip_prefix("sep=").map(str::as_bytes) {
        Some([d]) => {
            let rest = text.split_once('\n').map_or("", |(_, rest)| rest);
            (*d, rest.as_bytes())
        }
        _ => (sniff_delimiter(text), body),
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(body);
    let mut lines = Vec::new();
    let mut record = csv::StringRecord::new();
    // Excel's row of a record: one plus the line breaks before it, less
    // those inside quoted cells (a cell with line breaks spans several lines
    // of the file but is one row in Excel; a blank line is a row). Counted
    // from the record's first byte: the csv crate's own line numbers are
    // off by one after CRLF.
    let (mut counted_to, mut breaks_before, mut breaks_inside) = (0, 0, 0);
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(ImportError::Format(format!(
                    "the CSV file cannot be read: {e}"
                )));
            }
        }
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while matches!(body.get(start), Some(b'\r' | b'\n')) {
            start += 1;
        }
        breaks_before += line_breaks(&body[counted_to.min(start)..start]);
        counted_to = counted_to.max(start);
        let row = 1 + breaks_before - breaks_inside;
        breaks_inside += record
            .iter()
            .map(|f| line_breaks(f.as_bytes()))
            .sum::<usize>();
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if lines.len() > MAX_ROWS + 1 {
            return Err(ImportError::TooMany { max: MAX_ROWS });
        }
        lines.push(Line {
            line: row,
            cells: record.iter().map(str::to_owned).collect(),
        });
    }
    Ok(lines)
}

/// LF, CRLF, or a lone CR (old Macs) each end one line.
fn line_breaks(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
        .count()
}

/// Excel writes the list separator of the Windows region: `;` in
/// Vietnamese (where `,` is the decimal mark), `,` in English. The header
/// line says which: the one that splits it most, outside quotes.
fn sniff_delimiter(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    let mut counts = [(b',', 0), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for c in header.bytes() {
        if c == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in &mut counts {
                if c == *d {
                    *n += 1;
                }
            }
        }
    }
    // Ties (a one-column file) go to the comma, listed first.
    counts
        .iter()
        .fold(
            (b',', 0),
            |best, &(d, n)| if n > best.1 { (d, n) } else { best },
        )
        .0
}

/// Which column holds what, from the header row.
struct Columns {
    name: usize,
    /// "Họ và tên đệm" when the list splits the name in two, with "Tên"
    /// the given name (as HR exports do): the name is both, joined.
    surname: Option<usize>,
    unit: Option<usize>,
    position: Option<usize>,
}

// Folded (see `fold`). The more specific first: "Tên" alone is the name
// only when no "Họ và tên" is there.
const NAME: &[&str] = &[
    "ho va ten",
    "ho ten",
    "ho va ten dai bieu",
    "full name",
    "name",
    "ten dai bieu",
    "ten",
];
/// The first half of a split name, only when the name column is "Tên".
const SURNAME: &[&str] = &["ho va ten dem", "ho va dem", "ho dem", "ho"];
const UNIT: &[&str] = &[
    "don vi",
    "co quan",
    "co quan don vi",
    "don vi cong tac",
    "ten don vi",
    "ten co quan",
    "unit",
    "organisation",
    "organization",
];
const POSITION: &[&str] = &["chuc vu", "position", "title"];

impl Columns {
    fn find(header: &[String]) -> Result<Columns, ImportError> {
        let folded: Vec<String> = header.iter().map(|h| fold(h)).collect();
        let find = |aliases: &[&str]| {
            aliases
                .iter()
                .find_map(|a| folded.iter().position(|h| h == a))
        };
        let Some(name) = find(NAME) else {
            return Err(ImportError::NoNameColumn {
                found: header
                    .iter()
                    .map(|h| h.nfc().collect::<String>().trim().to_owned())
                    .filter(|h| !h.is_empty())
                    .collect(),
            });
        };
        let given_only = matches!(folded[name].as_str(), "ten" | "ten dai bieu");
        Ok(Columns {
            name,
            surname: if given_only { find(SURNAME) } else { None },
            unit: find(UNIT),
            position: find(POSITION),
        })
    }
}

/// A header as compared: no diacritics (đ as d), lower case, words of
/// letters and digits. "HỌ VÀ TÊN", "Ho va ten" and "Họ và tên:" agree.
fn fold(header: &str) -> String {
    let bare: String = header
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .map(|c| match c {
            'đ' | 'Đ' => 'd',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .flat_map(char::to_lowercase)
        .collect();
    bare.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Rows above the header that may be a title ("DANH SÁCH ĐẠI BIỂU…", the
/// meeting's name and date), as printed lists often have.
const TITLE_ROWS: usize = 5;

fn rows(lines: Vec<Line>) -> Result<Vec<RosterRow>, ImportError> {
    let first = lines.first().ok_or(ImportError::Empty)?;
    let (at, columns) = lines
        .iter()
        .take(TITLE_ROWS + 1)
        .enumerate()
        .find_map(|(i, l)| Columns::find(&l.cells).ok().map(|c| (i, c)))
        // None is a header: name what the first row has.
        .map_or_else(|| Columns::find(&first.cells).map(|c| (0, c)), Ok)?;
    let lines = lines.into_iter().skip(at + 1);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut first_seen: HashMap<(String, Option<String>), usize> = HashMap::new();
    let mut count = 0;
    for Line { line, cells } in lines {
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map(String::as_str);
        let joined;
        let name = match (cell(columns.surname), cell(Some(columns.name))) {
            (Some(surname), Some(given)) => {
                joined = format!("{surname} {given}");
                Some(joined.as_str())
            }
            (surname, given) => given.or(surname),
        };
        let (unit, position) = (cell(columns.unit), cell(columns.position));
        // A row with only its STT filled in is a template's empty row.
        if [name, unit, position]
            .iter()
            .all(|c| c.is_none_or(|c| c.trim().is_empty()))
        {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            return Err(ImportError::TooMany { max: MAX_ROWS });
        }
        let row = check(line, name, unit, position).and_then(|row| {
            let key = (
                row.name.to_lowercase(),
                row.unit.as_ref().map(|u| u.to_lowercase()),
            );
            match first_seen.get(&key) {
                Some(&first_line) => Err(RowReason::Duplicate { first_line }),
                None => {
                    first_seen.insert(key, line);
                    Ok(row)
                }
            }
        });
        match row {
            Ok(row) => rows.push(row),
            Err(reason) => errors.push(RowError { line, reason }),
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Rows(errors));
    }
    if rows.is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(rows)
}

fn check(
    line: usize,
    name: Option<&str>,
    unit: Option<&str>,
    position: Option<&str>,
) -> Result<RosterRow, RowReason> {
    let name = clean(name, Field::Name, MAX_NAME)?.ok_or(RowReason::EmptyName)?;
    Ok(RosterRow {
        line,
        name,
        unit: clean(unit, Field::Unit, MAX_UNIT)?,
        position: clean(position, Field::Position, MAX_POSITION)?,
    })
}

/// A cell's value. Line breaks in a cell (Alt+Enter in Excel, common in long
/// unit names) and runs of spaces, non-breaking ones included, become one
/// space: the roster shows one line. Other control characters and
/// direction overrides are refused by `clean_optional`.
fn clean(raw: Option<&str>, field: Field, max: usize) -> Result<Option<String>, RowReason> {
    let Some(raw) = raw else { return Ok(None) };
    let spaced = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    clean_optional(Some(&spaced), max).map_err(|e| match e {
        TextError::TooLong { len, max } => RowReason::TooLong { field, len, max },
        TextError::Forbidden(code_point) => RowReason::InvalidCharacters { field, code_point },
        TextError::Empty => RowReason::EmptyName,
    })
}
