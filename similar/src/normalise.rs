//! One spelling per Vietnamese syllable: tone mark position, y/i variants
//! and diacritic folding.
//!
//! Both sides of every comparison go through the same functions, so the
//! convention chosen matters less than that there is exactly one.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{compose, decompose_canonical};

/// The six Vietnamese tones; `Level` carries no mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Tone {
    Level,
    Acute,
    Grave,
    Hook,
    Tilde,
    Dot,
}

impl Tone {
    /// The combining mark that writes the tone, as NFD spells it.
    fn mark(self) -> Option<char> {
        match self {
            Tone::Level => None,
            Tone::Acute => Some('\u{301}'),
            Tone::Grave => Some('\u{300}'),
            Tone::Hook => Some('\u{309}'),
            Tone::Tilde => Some('\u{303}'),
            Tone::Dot => Some('\u{323}'),
        }
    }

    fn from_mark(c: char) -> Option<Tone> {
        Some(match c {
            '\u{301}' => Tone::Acute,
            '\u{300}' => Tone::Grave,
            '\u{309}' => Tone::Hook,
            '\u{303}' => Tone::Tilde,
            '\u{323}' => Tone::Dot,
            _ => return None,
        })
    }
}

/// Vowel letters without tone; the quality marks (â, ă, ê, ô, ơ, ư) stay.
pub(crate) fn is_vowel(c: char) -> bool {
    matches!(
        c,
        'a' | 'ă' | 'â' | 'e' | 'ê' | 'i' | 'o' | 'ô' | 'ơ' | 'u' | 'ư' | 'y'
    )
}

/// Vowels whose quality mark decides where the tone goes.
fn has_quality_mark(c: char) -> bool {
    matches!(c, 'ă' | 'â' | 'ê' | 'ô' | 'ơ' | 'ư')
}

/// Splits a lowercase NFC word into its toneless letters and its tone.
/// `None` when the word carries more than one tone mark: not a syllable.
pub(crate) fn split_tone(word: &str) -> Option<(String, Tone)> {
    let mut tone = Tone::Level;
    let mut toneless = String::with_capacity(word.len());
    for c in word.chars() {
        if c.is_ascii() {
            toneless.push(c);
            continue;
        }
        // A precomposed Vietnamese letter is a base, at most one quality
        // mark and at most one tone mark.
        let mut base: Option<char> = None;
        let mut two_tones = false;
        decompose_canonical(c, |d| match Tone::from_mark(d) {
            Some(t) => {
                two_tones |= tone != Tone::Level;
                tone = t;
            }
            None => {
                base = Some(match base {
                    None => d,
                    Some(b) => compose(b, d).unwrap_or(b),
                });
            }
        });
        if two_tones {
            return None;
        }
        toneless.extend(base);
    }
    Some((toneless, tone))
}

/// The vowel run of a toneless syllable, after the onset; "qu" and "gi"
/// before another vowel are onsets, so their u and i never take the tone.
/// Returns (start, end) char indices, or `None` without vowels.
pub(crate) fn nucleus(chars: &[char]) -> Option<(usize, usize)> {
    let mut start = chars.iter().position(|&c| is_vowel(c))?;
    let onset_glide = start > 0
        && chars.get(start + 1).is_some_and(|&c| is_vowel(c))
        && matches!((chars[start - 1], chars[start]), ('q', 'u') | ('g', 'i'));
    if onset_glide {
        start += 1;
    }
    let end = start + chars[start..].iter().take_while(|&&c| is_vowel(c)).count();
    Some((start, end))
}

/// Writes `tone` onto a toneless syllable by one rule (the "new" placement):
/// a vowel with a quality mark takes it (the last one: ươ → ơ); otherwise a
/// lone vowel; before a final consonant the last vowel; open "oa", "oe",
/// "uy" the second; other open pairs the first; open triples the middle.
/// A standalone nucleus "y" after a consonant becomes "i" (quý/quí,
/// kỹ/kĩ, lý/lí are one word each way).
pub(crate) fn place_tone(toneless: &str, tone: Tone) -> String {
    let mut chars: Vec<char> = toneless.chars().collect();
    let Some((start, end)) = nucleus(&chars) else {
        return toneless.to_owned();
    };
    if end - start == 1 && start > 0 && end == chars.len() && chars[start] == 'y' {
        chars[start] = 'i';
    }
    let run = &chars[start..end];
    let open = end == chars.len();
    let at = if let Some(last) = run.iter().rposition(|&c| has_quality_mark(c)) {
        last
    } else if run.len() == 1 {
        0
    } else if !open {
        run.len() - 1
    } else if run.len() == 2 {
        match (run[0], run[1]) {
            ('o', 'a') | ('o', 'e') | ('u', 'y') => 1,
            _ => 0,
        }
    } else {
        1
    };
    let mut out = String::with_capacity(toneless.len() + 2);
    for (i, &c) in chars.iter().enumerate() {
        if i == start + at
            && let Some(mark) = tone.mark()
        {
            // The dot below composes before a quality mark (ệ is ẹ + ̂),
            // so only full normalisation can write those.
            match compose(c, mark) {
                Some(toned) => out.push(toned),
                None => out.extend([c, mark].into_iter().nfc()),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A lowercase NFC word with its tone moved to where [`place_tone`] puts
/// it. Words that are not syllables (two tones, no vowel) stay as they are.
pub(crate) fn canonical_syllable(word: &str) -> String {
    match split_tone(word) {
        Some((toneless, tone)) => place_tone(&toneless, tone),
        None => word.to_owned(),
    }
}

/// Drops every diacritic (tone and quality marks) and writes đ as d.
pub(crate) fn fold(word: &str) -> String {
    if word.is_ascii() {
        return word.to_owned();
    }
    word.nfd()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

/// Whether a canonical syllable carries any diacritic.
pub(crate) fn is_marked(word: &str) -> bool {
    !word.is_ascii()
}

/// A word of the input: lowercase NFC, and whether it was written all in
/// capitals (an acronym such as "TU" or "TW", never Telex).
pub(crate) struct Word {
    pub(crate) lower: String,
    pub(crate) upper: bool,
}

/// Splits NFC text into words on anything that is not a letter or digit;
/// "KT-XH" and "đ/c" become two words each, which the alias list expects.
pub(crate) fn words(text: &str) -> Vec<Word> {
    let nfc: String = text.nfc().collect();
    nfc.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let letters = w.chars().filter(|c| c.is_alphabetic()).count();
            Word {
                lower: w.to_lowercase(),
                upper: letters >= 2 && w.chars().all(|c| !c.is_lowercase()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_and_new_tone_placement_meet() {
        for (a, b) in [
            ("hòa", "hoà"),
            ("thủy", "thuỷ"),
            ("khỏe", "khoẻ"),
            ("họa", "hoạ"),
            ("xòe", "xoè"),
            ("quý", "quí"),
            ("kỹ", "kĩ"),
            ("lý", "lí"),
        ] {
            assert_eq!(canonical_syllable(a), canonical_syllable(b), "{a} / {b}");
        }
    }

    #[test]
    fn placement_follows_the_rule() {
        assert_eq!(canonical_syllable("hòa"), "hoà");
        assert_eq!(canonical_syllable("hoàng"), "hoàng");
        assert_eq!(canonical_syllable("hòang"), "hoàng");
        assert_eq!(canonical_syllable("người"), "người");
        assert_eq!(canonical_syllable("ngừơi"), "người");
        assert_eq!(canonical_syllable("quốc"), "quốc");
        assert_eq!(canonical_syllable("già"), "già");
        assert_eq!(canonical_syllable("gìn"), "gìn");
        assert_eq!(canonical_syllable("múa"), "múa");
        assert_eq!(canonical_syllable("ngoái"), "ngoái");
        assert_eq!(canonical_syllable("khuya"), "khuya");
        assert_eq!(canonical_syllable("ý"), "ý");
        assert_eq!(canonical_syllable("tuỳ"), "tuỳ");
    }

    #[test]
    fn folding_merges_accents() {
        assert_eq!(fold("dế"), "de");
        assert_eq!(fold("dê"), "de");
        assert_eq!(fold("đường"), "duong");
        assert!(is_marked("dê") && !is_marked("de"));
    }

    #[test]
    fn words_split_and_keep_acronyms() {
        let w = words("Đ/c hỏi về KT-XH, TU và tu");
        let lower: Vec<&str> = w.iter().map(|w| w.lower.as_str()).collect();
        assert_eq!(lower, ["đ", "c", "hỏi", "về", "kt", "xh", "tu", "và", "tu"]);
        assert!(w[4].upper && w[6].upper && !w[8].upper && !w[0].upper);
    }
}
