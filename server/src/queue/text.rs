//! Text from people: NFC-normalised, trimmed, measured in characters.
//!
//! Vietnamese arrives from phones in both composed and decomposed forms
//! (some input methods emit a base letter plus combining marks); NFC makes
//! "đánh giá" typed on any device the same string, so search, duplicates and
//! lengths agree. Lengths count Unicode scalar values after NFC: Vietnamese
//! letters take 2–3 bytes but are one character to the person typing.

use unicode_normalization::UnicodeNormalization;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("the text is empty")]
    Empty,
    #[error("the text is {len} characters; the limit is {max}")]
    TooLong { len: usize, max: usize },
    #[error("the text contains a control or direction-override character (U+{0:04X})")]
    Forbidden(u32),
}

/// Cleans a question's text: NFC, CRLF to LF, trimmed; newlines and tabs are
/// allowed, other control characters and bidirectional overrides (which can
/// make text display differently from what it says) are refused.
pub fn clean_text(raw: &str, max: usize) -> Result<String, TextError> {
    let text: String = raw.replace("\r\n", "\n").nfc().collect();
    let text = text.trim();
    check_chars(text, true)?;
    if text.is_empty() {
        return Err(TextError::Empty);
    }
    let len = text.chars().count();
    if len > max {
        return Err(TextError::TooLong { len, max });
    }
    Ok(text.to_owned())
}

/// Cleans an optional single-line field (name, unit): blank means absent.
pub fn clean_optional(raw: Option<&str>, max: usize) -> Result<Option<String>, TextError> {
    let Some(raw) = raw else { return Ok(None) };
    let text: String = raw.nfc().collect();
    let text = text.trim();
    check_chars(text, false)?;
    if text.is_empty() {
        return Ok(None);
    }
    let len = text.chars().count();
    if len > max {
        return Err(TextError::TooLong { len, max });
    }
    Ok(Some(text.to_owned()))
}

fn check_chars(text: &str, multiline: bool) -> Result<(), TextError> {
    for c in text.chars() {
        let allowed_control = multiline && (c == '\n' || c == '\t');
        if (c.is_control() && !allowed_control) || is_bidi_control(c) {
            return Err(TextError::Forbidden(c as u32));
        }
    }
    Ok(())
}

/// Embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_is_nfc_and_counted_in_characters() {
        // "đánh giá" with decomposed marks (a + U+0301).
        let decomposed = "đa\u{301}nh gia\u{301}";
        assert_eq!(clean_text(decomposed, 10).unwrap(), "đánh giá");
        let q = "Công tác đánh giá, xếp loại cán bộ năm 2022 có gì mới?";
        assert_eq!(clean_text(q, 500).unwrap(), q);
        let long: String = "ệ".repeat(300);
        assert!(long.len() > 600);
        assert_eq!(clean_text(&long, 300).unwrap().chars().count(), 300);
        assert_eq!(
            clean_text(&format!("{long}ệ"), 300),
            Err(TextError::TooLong { len: 301, max: 300 })
        );
    }

    #[test]
    fn refuses_controls_and_overrides() {
        assert_eq!(clean_text("  \n ", 10), Err(TextError::Empty));
        assert_eq!(
            clean_text("a\u{202E}b", 10),
            Err(TextError::Forbidden(0x202E))
        );
        assert_eq!(clean_text("a\u{0007}b", 10), Err(TextError::Forbidden(7)));
        assert_eq!(clean_text("a\r\nb", 10).unwrap(), "a\nb");
        assert_eq!(
            clean_optional(Some("a\nb"), 10),
            Err(TextError::Forbidden(10))
        );
        assert_eq!(clean_optional(Some("  "), 10), Ok(None));
        assert_eq!(
            clean_optional(Some(" Sở Nội vụ "), 10),
            Ok(Some("Sở Nội vụ".into()))
        );
    }
}
