//! Text cleaning (`clean_text`, `clean_optional`): whatever a phone sends,
//! the result is NFC, trimmed, free of refused characters, within the
//! character limit, and cleaning it again changes nothing.

use crate::fuzz;
use hoidap_server::queue::{TextError, clean_optional, clean_text};
use proptest::prelude::*;
use proptest::test_runner::TestCaseResult;
use unicode_normalization::{UnicodeNormalization, is_nfc};

/// Characters where normalisation, trimming and the refusal rules meet.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<char>().prop_map(String::from),
        2 => proptest::char::range('a', 'z').prop_map(String::from),
        4 => proptest::sample::select(vec![
            " ", "\n", "\r", "\r\n", "\t", "\u{b}", "\u{c}", "\u{85}", "\u{a0}", "\u{1680}",
            "\u{2000}", "\u{2028}", "\u{2029}", "\u{3000}", "\u{200b}", "\u{feff}", "\u{0}",
            "\u{7f}", "\u{9f}", "\u{202a}", "\u{202e}", "\u{2066}", "\u{2069}", "\u{200e}",
            "\u{61c}", "\u{300}", "\u{301}", "\u{303}", "\u{309}", "\u{323}", "\u{31b}",
            "\u{345}", "\u{344}", "\u{f73}", "\u{1100}", "\u{1161}", "\u{11a8}", "\u{ac00}",
            "ệ", "ê\u{323}", "e\u{323}\u{302}", "e\u{302}\u{323}", "đ", "Ư", "ư\u{301}",
            "\u{212b}", "\u{2126}", "\u{fb01}", "\u{1f1fb}\u{1f1f3}", "\u{1f469}\u{200d}\u{1f4bb}",
            "\u{e000}", "\u{10ffff}", "\u{fffd}",
        ])
        .prop_map(String::from),
    ]
}

fn raw(max_pieces: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(piece(), 0..max_pieces).prop_map(|p| p.concat()),
        // Near the limit: long Vietnamese, composed or not, padded.
        1 => (0..700usize, any::<bool>(), proptest::sample::select(vec!["", " ", "\n", "\u{301}"]))
            .prop_map(|(n, decomposed, pad)| {
                let word = if decomposed { "e\u{323}\u{302}" } else { "ệ" };
                format!("{pad}{}{pad}", word.repeat(n))
            }),
    ]
}

fn limit() -> impl Strategy<Value = usize> {
    prop_oneof![
        0..12usize,
        proptest::sample::select(vec![300usize, 500, 2000])
    ]
}

fn refused(c: char, multiline: bool) -> bool {
    let allowed = multiline && (c == '\n' || c == '\t');
    (c.is_control() && !allowed) || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The invariants of a cleaned text.
fn clean(text: &str, max: usize, multiline: bool) -> TestCaseResult {
    prop_assert!(is_nfc(text), "not NFC: {text:?}");
    prop_assert!(!text.is_empty());
    prop_assert_eq!(text.trim(), text);
    prop_assert!(text.chars().count() <= max);
    prop_assert!(!text.chars().any(|c| refused(c, multiline)), "{text:?}");
    Ok(())
}

#[test]
fn cleaned_text_is_nfc_trimmed_bounded_and_stable() {
    fuzz("text: clean_text", (raw(40), limit()), |(raw, max)| {
        let got = clean_text(&raw, max);
        // The device's normalisation form must not matter.
        let decomposed: String = raw.nfd().collect();
        prop_assert_eq!(&clean_text(&decomposed, max), &got);
        match got {
            Ok(text) => {
                clean(&text, max, true)?;
                prop_assert_eq!(clean_text(&text, max), Ok(text.clone()), "not idempotent");
            }
            Err(TextError::TooLong { len, max: limit }) => {
                prop_assert_eq!(limit, max);
                prop_assert!(len > max);
            }
            Err(TextError::Empty) => {
                let nfc: String = raw.nfc().collect();
                prop_assert!(nfc.trim().is_empty());
            }
            Err(TextError::Forbidden(c)) => {
                let c = char::from_u32(c).expect("a char");
                prop_assert!(refused(c, true), "refused {c:?}");
                prop_assert!(raw.nfc().any(|x| x == c));
            }
        }
        Ok(())
    });
}

#[test]
fn cleaned_names_are_nfc_single_line_and_stable() {
    fuzz("text: clean_optional", (raw(20), limit()), |(raw, max)| {
        match clean_optional(Some(&raw), max) {
            Ok(Some(text)) => {
                clean(&text, max, false)?;
                prop_assert_eq!(clean_optional(Some(&text), max), Ok(Some(text.clone())));
            }
            Ok(None) => {
                let nfc: String = raw.nfc().collect();
                prop_assert!(nfc.trim().is_empty());
            }
            Err(TextError::TooLong { len, .. }) => prop_assert!(len > max),
            Err(TextError::Forbidden(c)) => {
                prop_assert!(refused(char::from_u32(c).expect("a char"), false))
            }
            Err(TextError::Empty) => prop_assert!(false, "blank names are absent"),
        }
        Ok(())
    });
}
