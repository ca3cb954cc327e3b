//! What a question asks for: a time, a number, a place, a person, a way,
//! a thing, or yes or no. Two questions on the same subject that ask for
//! different things ("khi nào lấy phiếu" / "lấy phiếu với chức danh nào")
//! share almost every word; the interrogative is what tells them apart, and
//! it is a function word that carries little weight in the score.
//!
//! Read on accented syllables, or on folded ones for unaccented text.

use std::sync::OnceLock;

use crate::normalise::fold;

pub(crate) const WHEN: u8 = 1;
pub(crate) const HOW_MANY: u8 = 1 << 1;
pub(crate) const WHERE: u8 = 1 << 2;
pub(crate) const WHO: u8 = 1 << 3;
pub(crate) const WHAT: u8 = 1 << 5;
pub(crate) const YES_NO: u8 = 1 << 6;

/// Interrogative phrases, accented, longest first where one contains
/// another; the flag says the folded form is unambiguous too ("mấy" folds
/// onto "máy", "đâu" onto "đầu").
const PHRASES: &[(&str, u8, bool)] = &[
    ("thời gian nào", WHEN, true),
    ("thời điểm nào", WHEN, true),
    ("khi nào", WHEN, true),
    ("lúc nào", WHEN, true),
    ("bao giờ", WHEN, true),
    ("bao nhiêu", HOW_MANY, true),
    ("bao lâu", HOW_MANY, true),
    ("mấy", HOW_MANY, false),
    ("ở đâu", WHERE, true),
    ("nơi nào", WHERE, true),
    ("đâu", WHERE, false),
    ("ai", WHO, true),
    // "Chính sách ra sao" and "chính sách gì" ask the same: a description.
    ("như thế nào", WHAT, true),
    ("thế nào", WHAT, true),
    ("ra sao", WHAT, true),
    ("thì sao", WHAT, true),
    ("cách nào", WHAT, true),
    ("gì", WHAT, true),
    ("nào", WHAT, true),
];

/// An interrogative phrase as words of one form, and what it asks for.
type Phrase = (Vec<String>, u8);

/// Politeness a question may end with after its yes/no particle, folded.
const TRAILERS: &[&str] = &["a", "vay", "nhi", "nhe"];

/// The set of things a question asks for, as a bit mask (0: none seen).
/// `words` are accented syllables when `marked`, folded ones otherwise.
pub(crate) fn frame(words: &[String], marked: bool) -> u8 {
    static FORMS: OnceLock<[Vec<Phrase>; 2]> = OnceLock::new();
    let forms = FORMS.get_or_init(|| {
        [false, true].map(|marked| {
            PHRASES
                .iter()
                .filter(|&&(_, _, fold_ok)| marked || fold_ok)
                .map(|&(p, bit, _)| {
                    let form = if marked { p.to_owned() } else { fold(p) };
                    (form.split(' ').map(str::to_owned).collect(), bit)
                })
                .collect()
        })
    });
    let phrases = &forms[usize::from(marked)];
    let mut mask = 0;
    let mut i = 0;
    while i < words.len() {
        let hit = phrases.iter().find(|(p, _)| {
            words.len() - i >= p.len() && p.iter().zip(&words[i..]).all(|(p, w)| p == w)
        });
        match hit {
            Some((p, bit)) => {
                mask |= bit;
                i += p.len();
            }
            None => i += 1,
        }
    }
    // "… có được … không?", "… chưa?": the particle is the last word but
    // for politeness ("ạ", "vậy").
    let last = words
        .iter()
        .map(|w| fold(w))
        .rfind(|w| !TRAILERS.contains(&w.as_str()));
    if matches!(last.as_deref(), Some("khong" | "chua")) {
        mask |= YES_NO;
    }
    mask
}

/// Whether two questions plainly ask for different things: both frames
/// are known and have nothing in common.
pub(crate) fn differ(a: u8, b: u8) -> bool {
    a != 0 && b != 0 && a & b == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyse;

    fn f(text: &str) -> u8 {
        let a = analyse(text);
        if a.marked {
            frame(&a.accented, true)
        } else {
            frame(&a.folded, false)
        }
    }

    #[test]
    fn frames_of_questions() {
        assert_eq!(f("Bao giờ thì tổ chức lấy phiếu tín nhiệm?"), WHEN);
        assert_eq!(f("Lấy phiếu với những chức danh nào?"), WHAT);
        assert_eq!(f("Giá thuê nhà công vụ là bao nhiêu?"), HOW_MANY);
        assert_eq!(f("Có thay đổi gì không ạ?"), WHAT | YES_NO);
        assert_eq!(f("co duoc ho tro kinh phi khong"), YES_NO);
        assert_eq!(f("Trợ cấp được tính như thế nào?"), WHAT);
        assert_eq!(f("Hồ sơ do ai cập nhật?"), WHO);
        assert_eq!(f("Kính gửi Ban Tổ chức"), 0);
        assert_eq!(f("Gồm mấy bước?"), HOW_MANY);
        assert_eq!(f("Máy tính được cấp ở đâu?"), WHERE);
        assert_eq!(f("may tinh duoc cap o dau"), WHERE);
        assert_eq!(f("Người đứng đầu phải làm gì?"), WHAT);
    }

    #[test]
    fn differing_frames() {
        assert!(differ(WHEN, WHAT));
        assert!(!differ(WHAT | YES_NO, WHAT));
        assert!(!differ(0, WHAT));
    }
}
