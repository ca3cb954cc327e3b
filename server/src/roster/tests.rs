//! The shapes Excel writes: CSV UTF-8 with a BOM and `;` (Vietnamese
//! Windows), plain `,`, cells with line breaks and quotes, the old code
//! page, and real XLSX files written by rust_xlsxwriter.

use super::*;
use proptest::prelude::*;

fn row(line: usize, name: &str, unit: Option<&str>, position: Option<&str>) -> RosterRow {
    RosterRow {
        line,
        name: name.into(),
        unit: unit.map(Into::into),
        position: position.map(Into::into),
    }
}

fn bad_rows(bytes: &[u8]) -> Vec<(usize, &'static str)> {
    match parse(bytes) {
        Err(ImportError::Rows(errors)) => {
            errors.iter().map(|e| (e.line, e.reason.code())).collect()
        }
        other => panic!("expected bad rows, got {other:?}"),
    }
}

#[test]
fn csv_utf8_with_bom_and_semicolons() {
    let file = "\u{FEFF}STT;Họ và tên;Đơn vị;Chức vụ\r\n\
                1;Nguyễn Văn An;Sở Nội vụ;Giám đốc\r\n\
                2;Trần Thị Bích Ngọc;UBND huyện Đông Anh;\r\n\
                3;Lê Hoàng;;\r\n";
    assert_eq!(
        parse(file.as_bytes()).unwrap(),
        [
            row(2, "Nguyễn Văn An", Some("Sở Nội vụ"), Some("Giám đốc")),
            row(3, "Trần Thị Bích Ngọc", Some("UBND huyện Đông Anh"), None),
            row(4, "Lê Hoàng", None, None),
        ]
    );
}

#[test]
fn csv_with_commas_in_english() {
    let file = "No.,Full name,Organisation,Title,Phone\n 1 , Nguyen Van An ,Department of Home Affairs,Director,0912\n";
    assert_eq!(
        parse(file.as_bytes()).unwrap(),
        [row(
            2,
            "Nguyen Van An",
            Some("Department of Home Affairs"),
            Some("Director")
        )]
    );
    let sep_line = "sep=;\r\nName;Unit\r\nA, B;C\r\n";
    assert_eq!(
        parse(sep_line.as_bytes()).unwrap(),
        [row(2, "A, B", Some("C"), None)]
    );
}

#[test]
fn quoted_cells_with_delimiters_line_breaks_and_quotes() {
    // Excel writes Alt+Enter as a line break inside quotes; blank lines are
    // rows in Excel too, so the rows after them keep Excel's numbers.
    let file = "Họ và tên;Đơn vị;Chức vụ\r\n\
                \"Phạm \"\"Tư\"\" Minh\";\"Sở Tài chính;\r\ntỉnh Hà Giang\";Phó Giám đốc\r\n\
                \r\n\
                \"Võ Thị Hạnh\";\"Ban Dân vận\nTỉnh ủy\";\"Trưởng ban\"\r\n\
                Đỗ Văn Bình;;\r\n";
    assert_eq!(
        parse(file.as_bytes()).unwrap(),
        [
            row(
                2,
                "Phạm \"Tư\" Minh",
                Some("Sở Tài chính; tỉnh Hà Giang"),
                Some("Phó Giám đốc")
            ),
            row(
                4,
                "Võ Thị Hạnh",
                Some("Ban Dân vận Tỉnh ủy"),
                Some("Trưởng ban")
            ),
            row(5, "Đỗ Văn Bình", None, None),
        ]
    );
}

#[test]
fn headers_with_or_without_diacritics_and_decomposed_text() {
    for header in [
        "HO VA TEN;DON VI;CHUC VU",
        "Họ tên;Cơ quan;Chức vụ",
        "ho va ten:;co quan, don vi;chuc vu",
        "Tên;Đơn vị công tác;Chức vụ",
    ] {
        // "Chức vụ" and the name with decomposed marks, as some keyboards type.
        let file =
            format!("{header}\nNguye\u{302}\u{303}n Va\u{306}n An;Sở Y tế;Gia\u{301}m đốc\n");
        assert_eq!(
            parse(file.as_bytes()).unwrap(),
            [row(2, "Nguyễn Văn An", Some("Sở Y tế"), Some("Giám đốc"))],
            "{header}"
        );
    }
    // "Tên" is the name only without a "Họ và tên": here it is the unit's.
    let file = "Tên đơn vị;Họ và tên\nSở Y tế;An\n";
    assert_eq!(
        parse(file.as_bytes()).unwrap(),
        [row(2, "An", Some("Sở Y tế"), None)]
    );
}

#[test]
fn title_rows_above_the_header_are_skipped() {
    let file = "DANH SÁCH ĐẠI BIỂU DỰ HỘI NGHỊ;;\n(Kèm theo Giấy mời số 12/GM-UBND);;\n\nSTT;Họ và tên;Đơn vị\n1;Nguyễn Văn An;Sở Y tế\n";
    assert_eq!(
        parse(file.as_bytes()).unwrap(),
        [row(5, "Nguyễn Văn An", Some("Sở Y tế"), None)]
    );
}

#[test]
fn a_name_split_in_two_columns_is_joined() {
    let file = "STT;Họ và tên đệm;Tên;Đơn vị\n1;Nguyễn Văn;An;Sở Y tế\n2;;Bình;Sở Y tế\n3;Lê Thị;;Sở Y tế\n";
    assert_eq!(
        parse(file.as_bytes()).unwrap(),
        [
            row(2, "Nguyễn Văn An", Some("Sở Y tế"), None),
            row(3, "Bình", Some("Sở Y tế"), None),
            row(4, "Lê Thị", Some("Sở Y tế"), None),
        ]
    );
    // With a full-name column, "Họ" is another column and ignored.
    let file = "Họ;Họ và tên\nNguyễn;Nguyễn Văn An\n";
    assert_eq!(
        parse(file.as_bytes()).unwrap(),
        [row(2, "Nguyễn Văn An", None, None)]
    );
}

#[test]
fn a_missing_name_column_names_the_headers_found() {
    let err = parse("STT;Đơn vị;Chức vụ\n1;Sở Y tế;Giám đốc\n".as_bytes()).unwrap_err();
    assert_eq!(
        err,
        ImportError::NoNameColumn {
            found: vec!["STT".into(), "Đơn vị".into(), "Chức vụ".into()]
        }
    );
    assert_eq!(err.code(), "no_name_column");
    assert!(
        err.to_string().contains("\"STT\", \"Đơn vị\", \"Chức vụ\""),
        "{err}"
    );
}

#[test]
fn every_bad_row_is_reported_and_nothing_imported() {
    let long = "ệ".repeat(81);
    let file = format!(
        "STT;Họ và tên;Đơn vị\n1;Nguyễn Văn An;Sở Nội vụ\n2;;Sở Y tế\n3;{long};Sở Y tế\n4;Ngô\u{202E}Lan;Sở Y tế\n5;NGUYỄN VĂN AN;sở nội vụ\n6;;\n7;Nguyễn Văn An;Sở Tư pháp\n"
    );
    assert_eq!(
        bad_rows(file.as_bytes()),
        [
            (3, "empty_name"),
            (4, "too_long"),
            (5, "invalid_characters"),
            (6, "duplicate")
        ]
    );
    let Err(ImportError::Rows(errors)) = parse(file.as_bytes()) else {
        unreachable!()
    };
    assert_eq!(
        errors[1].reason,
        RowReason::TooLong {
            field: Field::Name,
            len: 81,
            max: 80
        }
    );
    assert_eq!(errors[3].reason, RowReason::Duplicate { first_line: 2 });
    assert_eq!(
        errors[3].to_string(),
        "row 6: the same name and unit as row 2"
    );
    let json = serde_json::to_value(&errors[1]).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"line": 4, "code": "too_long", "field": "name", "len": 81, "max": 80})
    );

    // Two bad rows among good ones.
    let file = "Họ và tên;Đơn vị\nA;X\n;Y\nB;X\nC;Z\nB;X\n";
    assert_eq!(
        bad_rows(file.as_bytes()),
        [(3, "empty_name"), (6, "duplicate")]
    );
}

#[test]
fn three_hundred_rows_and_the_caps() {
    let mut file = String::from("STT;Họ và tên;Đơn vị;Chức vụ\r\n");
    for i in 1..=300 {
        file.push_str(&format!(
            "{i};Đại biểu số {i};Sở số {};Giám đốc\r\n",
            i % 40
        ));
    }
    let rows = parse(file.as_bytes()).unwrap();
    assert_eq!(rows.len(), 300);
    assert_eq!(
        rows[299],
        row(301, "Đại biểu số 300", Some("Sở số 20"), Some("Giám đốc"))
    );

    let mut many = String::from("Name\n");
    for i in 0..=MAX_ROWS {
        many.push_str(&format!("d{i}\n"));
    }
    assert_eq!(
        parse(many.as_bytes()),
        Err(ImportError::TooMany { max: MAX_ROWS })
    );
    let huge = vec![b'a'; MAX_BYTES + 1];
    let err = parse(&huge).unwrap_err();
    assert_eq!(err.code(), "too_large");
    assert!(err.to_string().contains("2 MiB"));
    assert_eq!(parse(b""), Err(ImportError::Empty));
    assert_eq!(
        parse("\u{FEFF}Họ và tên;Đơn vị\r\n;\r\n".as_bytes()),
        Err(ImportError::Empty)
    );
}

#[test]
fn the_windows_code_page_is_refused_with_how_to_save() {
    // Excel's plain "CSV" on Vietnamese Windows: Windows-1258, where
    // "Nguyễn" is Nguy, Ê (0xCA), a combining tilde (0xDE), n.
    let file = b"Ho va ten;Don vi\r\nNguy\xCA\xDEn;S\xD5 Y t\xEA\r\n";
    let err = parse(file).unwrap_err();
    assert_eq!(err, ImportError::NotUtf8 { line: 2 });
    assert_eq!(err.code(), "not_utf8");
    assert!(
        err.to_string().contains("CSV UTF-8 (Comma delimited)"),
        "{err}"
    );
    let utf16 = parse(b"\xFF\xFEH\0o\0").unwrap_err();
    assert_eq!(utf16.code(), "format");
    let xls = parse(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1rest").unwrap_err();
    assert!(xls.to_string().contains(".xls"), "{xls}");
}

#[test]
fn the_sample_reads_back() {
    let rows = parse(sample_csv().as_bytes()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0],
        row(2, "Nguyễn Văn An", Some("Sở Nội vụ"), Some("Giám đốc"))
    );
}

fn xlsx(build: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    build(book.add_worksheet().set_name("Danh sách").unwrap());
    // A second sheet is not read.
    book.add_worksheet()
        .write_string(0, 0, "Họ và tên")
        .unwrap();
    book.save_to_buffer().unwrap()
}

#[test]
fn a_real_xlsx_file() {
    let file = xlsx(|sheet| {
        sheet.write_string(0, 0, "STT").unwrap();
        sheet.write_string(0, 1, "Họ và tên").unwrap();
        sheet.write_string(0, 2, "Đơn vị").unwrap();
        sheet.write_string(0, 3, "Chức vụ").unwrap();
        sheet.write_number(1, 0, 1.0).unwrap();
        sheet.write_string(1, 1, " Nguyễn Văn An ").unwrap();
        sheet.write_string(1, 2, "Sở Nội vụ").unwrap();
        sheet.write_string(1, 3, "Giám đốc").unwrap();
        // Row 3 left empty; row 4 a cell with Alt+Enter; a number as unit.
        sheet.write_number(3, 0, 2.0).unwrap();
        sheet.write_string(3, 1, "Trần Thị Bích Ngọc").unwrap();
        sheet.write_string(3, 2, "UBND huyện\nĐông Anh").unwrap();
        sheet.write_number(4, 1, 2024.0).unwrap();
        sheet.write_number(4, 2, 12.5).unwrap();
    });
    assert_eq!(&file[..4], b"PK\x03\x04");
    assert_eq!(
        parse(&file).unwrap(),
        [
            row(2, "Nguyễn Văn An", Some("Sở Nội vụ"), Some("Giám đốc")),
            row(4, "Trần Thị Bích Ngọc", Some("UBND huyện Đông Anh"), None),
            row(5, "2024", Some("12.5"), None),
        ]
    );
}

#[test]
fn xlsx_errors_keep_excel_row_numbers() {
    // A title above the header, as lists are often laid out: the header is
    // then Excel's row 3, and the rows keep the numbers Excel shows.
    let file = xlsx(|sheet| {
        sheet.write_string(2, 0, "Họ và tên").unwrap();
        sheet.write_string(2, 1, "Cơ quan").unwrap();
        sheet.write_string(3, 0, "An").unwrap();
        sheet.write_string(4, 1, "Sở Y tế").unwrap();
        sheet.write_string(5, 0, "An").unwrap();
    });
    assert_eq!(bad_rows(&file), [(5, "empty_name"), (6, "duplicate")]);
    let damaged = {
        let mut f = file.clone();
        f.truncate(f.len() / 2);
        f
    };
    assert_eq!(parse(&damaged).unwrap_err().code(), "format");
}

/// A value that cleaning leaves as it is: NFC, trimmed, single spaces, and
/// the characters that need quoting in CSV.
fn value(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::ranges(vec!['a'..='z', 'A'..='Z'].into()),
            2 => proptest::sample::select(vec!['ễ', 'ă', 'Đ', 'ư', 'ờ', 'ị', 'ọ', '2']),
            1 => proptest::sample::select(vec![' ', ';', ',', '"', '\'', '(', '-']),
        ],
        1..max,
    )
    .prop_map(|chars| {
        chars
            .into_iter()
            .collect::<String>()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    })
    .prop_filter("not blank", |s| !s.is_empty())
}

proptest! {
    #[test]
    fn any_bytes_are_read_or_refused_without_panicking(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        zip in any::<bool>(),
    ) {
        let bytes = if zip { [b"PK\x03\x04".as_slice(), &bytes].concat() } else { bytes };
        let _ = parse(&bytes);
    }

    #[test]
    fn csv_written_by_the_csv_writer_reads_back(
        rows in proptest::collection::vec(
            (value(80), proptest::option::of(value(120)), proptest::option::of(value(120))),
            1..40,
        ),
        semicolon in any::<bool>(),
        bom in any::<bool>(),
    ) {
        let mut seen = std::collections::HashSet::new();
        let rows: Vec<_> = rows
            .into_iter()
            .filter(|(n, u, _)| seen.insert((n.to_lowercase(), u.as_ref().map(|u| u.to_lowercase()))))
            .collect();
        let mut writer = csv::WriterBuilder::new()
            .delimiter(if semicolon { b';' } else { b',' })
            .from_writer(if bom { b"\xEF\xBB\xBF".to_vec() } else { Vec::new() });
        writer.write_record(["STT", "Họ và tên", "Đơn vị", "Chức vụ"]).unwrap();
        for (i, (name, unit, position)) in rows.iter().enumerate() {
            let stt = (i + 1).to_string();
            writer
                .write_record([&stt, name, unit.as_deref().unwrap_or(""), position.as_deref().unwrap_or("")])
                .unwrap();
        }
        let bytes = writer.into_inner().unwrap();
        let expected: Vec<RosterRow> = rows
            .iter()
            .enumerate()
            .map(|(i, (n, u, p))| row(i + 2, n, u.as_deref(), p.as_deref()))
            .collect();
        prop_assert_eq!(parse(&bytes).unwrap(), expected);
    }
}
