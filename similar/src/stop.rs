//! Words that carry the politeness and grammar of a question, not its ask.
//! They keep a small weight instead of none: "khi nào" against "như thế
//! nào" still tells a little.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Single function words, in canonical (accented) form.
const WORDS: &[&str] = &[
    "của", "là", "và", "các", "những", "có", "được", "cho", "xin", "em", "tôi", "chúng", "ta",
    "anh", "chị", "ạ", "với", "thì", "mà", "này", "đó", "nào", "gì", "như", "về", "trong", "để",
    "ở", "đã", "sẽ", "đang", "bị", "theo", "khi", "nếu", "hay", "hoặc", "cũng", "rất", "vậy",
    "nhé", "không", "một", "nhưng", "vì", "do", "từ", "đến", "lại", "còn", "thế", "sao", "ra",
    "hỏi", "thưa",
];

/// The folded forms of [`WORDS`] that fold onto no content word: "co" is
/// also "cơ" (cơ chế), "dang" also "đảng", "bi" also "bí" (bí thư), "hoi"
/// also "hội" (hội đồng), so those stay full weight in text typed without
/// diacritics.
const FOLDED: &[&str] = &[
    "cua", "la", "va", "cac", "nhung", "duoc", "cho", "xin", "em", "toi", "ta", "a", "voi", "ma",
    "nay", "nao", "gi", "ve", "trong", "o", "da", "se", "theo", "khi", "neu", "hay", "hoac", "rat",
    "vay", "nhe", "khong", "mot", "den", "lai", "sao", "ra", "thua",
];

/// Phrases of address and request, folded: unambiguous even unaccented.
const PHRASES: &[&[&str]] = &[
    &["dong", "chi"],
    &["kinh", "gui"],
    &["kinh", "thua"],
    &["xin", "hoi"],
    &["cho", "biet"],
    &["de", "nghi"],
    &["the", "nao"],
    &["bao", "gio"],
    &["hien", "nay"],
    &["cam", "on"],
    &["giai", "dap"],
    &["tra", "loi"],
    &["lam", "ro"],
];

/// Marks which syllables are function words. `marked` says the text carries
/// diacritics, so the accented list applies; otherwise the folded one.
pub(crate) fn stop_mask(accented: &[String], folded: &[String], marked: bool) -> Vec<bool> {
    static SETS: OnceLock<[HashSet<&'static str>; 2]> = OnceLock::new();
    let [words, folded_words] = SETS.get_or_init(|| {
        [
            WORDS.iter().copied().collect(),
            FOLDED.iter().copied().collect(),
        ]
    });
    let mut mask: Vec<bool> = accented
        .iter()
        .zip(folded)
        .map(|(a, f)| {
            if marked {
                words.contains(a.as_str())
            } else {
                folded_words.contains(f.as_str())
            }
        })
        .collect();
    for phrase in PHRASES {
        let n = phrase.len();
        for start in 0..folded.len().saturating_sub(n - 1) {
            let hit = folded[start] == phrase[0]
                && folded[start..start + n]
                    .iter()
                    .zip(phrase.iter())
                    .all(|(w, p)| w == p);
            if hit {
                mask[start..start + n].iter_mut().for_each(|m| *m = true);
            }
        }
    }
    mask
}
