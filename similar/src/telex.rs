//! Telex typed with the input method off: "phieeus tins nhieemj" is what a
//! phone keyboard sends when the Vietnamese IME is not on. Each such word is
//! turned back into the syllable the typist meant.
//!
//! A word is converted only when it carries a Telex key that plain
//! unaccented Vietnamese never has (a tone key after the vowel, "dd", a
//! doubled vowel, "w") *and* the result is a valid Vietnamese syllable, so
//! "so", "xin" or "email" are left alone.

use crate::normalise::{Tone, place_tone};

const ONSETS: &[&str] = &[
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh",
    "nh", "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
];

/// Vowel runs that occur in Vietnamese syllables, toneless.
const NUCLEI: &[&str] = &[
    "a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "ai", "ao", "au", "ay", "âu", "ây",
    "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "oo", "ôi", "ơi", "ua", "uâ", "uê", "ui",
    "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê", "iêu", "yêu", "oai", "oay", "oao", "oeo",
    "uây", "uôi", "ươi", "ươu", "uyê", "uya", "uyu",
];

/// Nuclei that end in a glide (i/y/o/u) take no final consonant.
fn ends_in_glide(nucleus: &str) -> bool {
    nucleus.chars().count() > 1
        && matches!(nucleus.chars().last(), Some('i' | 'y' | 'o' | 'u'))
        && !matches!(nucleus, "oo" | "uy")
}

const CODAS: &[&str] = &["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

fn is_ascii_vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn tone_key(c: u8) -> Option<Tone> {
    Some(match c {
        b's' => Tone::Acute,
        b'f' => Tone::Grave,
        b'r' => Tone::Hook,
        b'x' => Tone::Tilde,
        b'j' => Tone::Dot,
        b'z' => Tone::Level,
        _ => return None,
    })
}

/// The syllable a lowercase ASCII word spells in Telex, if it is one.
pub(crate) fn recover(word: &str) -> Option<String> {
    let bytes = word.as_bytes();
    if bytes.len() < 2 || !bytes.iter().all(u8::is_ascii_lowercase) {
        return None;
    }
    let first_vowel = bytes.iter().position(|&c| is_ascii_vowel(c) || c == b'w')?;
    // s, f, r, x, j and z are never final consonants, so after the first
    // vowel they can only be tone keys.
    let keys: Vec<usize> = (first_vowel + 1..bytes.len())
        .filter(|&i| tone_key(bytes[i]).is_some())
        .collect();
    let (tone, body): (Tone, Vec<u8>) = match keys.as_slice() {
        [] => (Tone::Level, bytes.to_vec()),
        [i] => {
            let mut body = bytes.to_vec();
            let key = body.remove(*i);
            (tone_key(key)?, body)
        }
        _ => return None,
    };
    let mut marked = !keys.is_empty();
    let mut out = String::with_capacity(body.len() + 4);
    let mut i = 0;
    if body.starts_with(b"dd") {
        out.push('đ');
        marked = true;
        i = 2;
    }
    while i < body.len() {
        let c = body[i];
        let next = body.get(i + 1).copied();
        let (letter, used) = match (c, next) {
            (b'a', Some(b'a')) => ('â', 2),
            (b'e', Some(b'e')) => ('ê', 2),
            (b'o', Some(b'o')) => ('ô', 2),
            (b'a', Some(b'w')) => ('ă', 2),
            (b'o', Some(b'w')) => ('ơ', 2),
            (b'u', Some(b'w')) => ('ư', 2),
            // "uow" is Telex for ươ: the w marks both vowels.
            (b'u', Some(b'o')) if body.get(i + 2) == Some(&b'w') => {
                out.push('ư');
                ('ơ', 3)
            }
            (b'w', _) => ('ư', 1),
            _ => (c as char, 1),
        };
        if used > 1 || c == b'w' {
            marked = true;
        }
        out.push(letter);
        i += used;
    }
    if !marked || !is_syllable(&out, tone) {
        return None;
    }
    Some(place_tone(&out, tone))
}

/// Whether a toneless word is onset + nucleus + coda of Vietnamese, with a
/// tone its coda allows (c, ch, p, t only take the acute or dot tone).
fn is_syllable(toneless: &str, tone: Tone) -> bool {
    let chars: Vec<char> = toneless.chars().collect();
    let Some((start, end)) = crate::normalise::nucleus(&chars) else {
        return false;
    };
    let onset: String = chars[..start].iter().collect();
    let nucleus: String = chars[start..end].iter().collect();
    let coda: String = chars[end..].iter().collect();
    let stop = matches!(coda.as_str(), "c" | "ch" | "p" | "t");
    ONSETS.contains(&onset.as_str())
        && NUCLEI.contains(&nucleus.as_str())
        && CODAS.contains(&coda.as_str())
        && (coda.is_empty() || !ends_in_glide(&nucleus))
        && (!stop || matches!(tone, Tone::Acute | Tone::Dot))
}

#[cfg(test)]
mod tests {
    use super::recover;

    #[test]
    fn recovers_typed_syllables() {
        for (typed, meant) in [
            ("phieeus", "phiếu"),
            ("tins", "tín"),
            ("nhieemj", "nhiệm"),
            ("ddanhs", "đánh"),
            ("giaos", "giáo"),
            ("vieecj", "việc"),
            ("dduwowcj", "được"),
            ("dduowcj", "được"),
            ("nguwowif", "người"),
            ("nguowif", "người"),
            ("hoir", "hỏi"),
            ("hoaf", "hoà"),
            ("tisn", "tín"),
            ("nhwng", "nhưng"),
            ("quys", "quí"),
            ("caans", "cấn"),
            ("bawngf", "bằng"),
        ] {
            assert_eq!(recover(typed).as_deref(), Some(meant), "{typed}");
        }
    }

    #[test]
    fn leaves_plain_words_alone() {
        for plain in [
            "so", "xin", "tin", "email", "excel", "zoom", "facebook", "ubnd", "cbccvc", "phieu",
            "a", "covid", "bos1",
        ] {
            assert_eq!(recover(plain), None, "{plain}");
        }
    }

    #[test]
    fn stop_codas_refuse_other_tones() {
        // "vieecf" would be "viềc": not a Vietnamese syllable.
        assert_eq!(recover("vieecf"), None);
    }
}
