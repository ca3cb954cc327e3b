//! Which earlier questions of an event a new question probably repeats.
//!
//! The panel of a meeting sees, next to a new question, the existing ones
//! it most likely repeats; it decides. Nothing is merged automatically, so a
//! wrong suggestion costs a glance and a missed one costs a duplicate on the
//! screen: the threshold favours precision.
//!
//! # Approach
//!
//! 1. **One spelling** ([`canonical`]): NFC, lowercase, the tone mark moved
//!    to one position ("hòa" and "hoà" both become "hoà"), a lone nucleus
//!    "y" written "i" (quý/quí, kỹ/kĩ), words typed in Telex with the input
//!    method off recovered ("phieeus tins nhieemj" → "phiếu tín nhiệm"), and
//!    a short list of abbreviations expanded (UBND → ủy ban nhân dân).
//! 2. **Candidates on folded syllables** ([`folded_syllables`]): diacritics
//!    dropped, so text typed without accents meets text typed with them.
//!    An inverted index maps each folded syllable and pair of adjacent
//!    syllables to the questions holding it.
//! 3. **Confirmation on the accented text**: folding merges different words
//!    ("dế" and "dê", "bổ nhiệm" and "bộ nhiệm"), so when both texts carry
//!    diacritics they are compared accented, and syllables that only fold
//!    equal count against the match. When one side has no diacritics at
//!    all there is nothing to confirm on, and the folded forms decide.
//! 4. **Score**: a weighted Dice coefficient over syllables and syllable
//!    pairs. Pairs matter because Vietnamese words are mostly two
//!    syllables ("cán bộ", "đánh giá") and order tells "xếp loại cán bộ"
//!    from a bag of the same syllables. Weights are an IDF over the event's
//!    questions (a word every question uses tells nothing) times a small
//!    weight for function words and forms of address ("đồng chí", "kính
//!    gửi", "xin hỏi"), which repeat across different asks.
//! 5. **Hard negatives**: questions of one meeting share their subject, and
//!    the worst false suggestions are the same sentence asking something
//!    else. Two checks lower the score: the *frame* (what is asked for: a
//!    time, a number, a place, a person, a description, yes or no; "khi
//!    nào" against "là gì") and *substitutions*, places where the two texts
//!    hold different words between the same neighbours ("quy trình bổ
//!    nhiệm" / "quy trình miễn nhiệm"); a paraphrase mostly adds, drops or
//!    moves words instead.
//!
//! The threshold and the two penalties were chosen on the tuning half of a
//! labelled set of Vietnamese question pairs (`data/pairs.tsv`) and checked
//! on the other half; see `tests/eval.rs` and `data/README.md`. The method
//! is lexical: a paraphrase that shares few words with the original
//! ("tối đa bao nhiêu người" / "nhiều nhất mấy người") is missed, and a
//! question that swaps two words' places ("từ tỉnh về huyện" / "từ huyện
//! lên tỉnh") can still be suggested.
//!
//! `similar()` normalises the query, walks the postings of its features
//! and fully scores only the few dozen candidates sharing most of it:
//! about 0.2 ms for an event of 1,000 questions of 300 characters
//! (`tests/speed.rs`).

mod alias;
mod align;
mod frame;
mod index;
mod normalise;
mod stop;
mod telex;

pub use index::{Index, Match};

/// One syllable of a text in both comparison forms.
pub(crate) struct Analysed {
    /// Canonical syllables, accented.
    pub(crate) accented: Vec<String>,
    /// The same syllables with diacritics dropped.
    pub(crate) folded: Vec<String>,
    /// Whether each syllable is a function word, judged on the accented
    /// form when there is one (for accented comparisons)…
    pub(crate) stop_accented: Vec<bool>,
    /// …and on the folded form (for folded comparisons).
    pub(crate) stop_folded: Vec<bool>,
    /// Whether the text carries diacritics at all, so accents can confirm.
    pub(crate) marked: bool,
    /// What the question asks for ([`frame`]).
    pub(crate) frame: u8,
}

/// Runs the whole normalisation once; every public function is a view of it.
pub(crate) fn analyse(text: &str) -> Analysed {
    let words = normalise::words(text);
    let lower: Vec<&str> = words.iter().map(|w| w.lower.as_str()).collect();
    let upper: Vec<bool> = words.iter().map(|w| w.upper).collect();
    let mut accented = Vec::with_capacity(words.len());
    // Diacritics as the author typed them (or Telex keys): an alias's full
    // form brings its own, which say nothing about how the text was typed.
    let (mut typed, mut with_marks) = (0usize, 0usize);
    let mut i = 0;
    while i < words.len() {
        if let Some((n, full)) = alias::expand(&lower, &upper, i) {
            accented.extend(full.split(' ').map(normalise::canonical_syllable));
            i += n;
            continue;
        }
        let w = &words[i];
        let telex = if w.upper {
            None
        } else {
            telex::recover(&w.lower)
        };
        let syllable = telex.unwrap_or_else(|| normalise::canonical_syllable(&w.lower));
        if syllable.chars().any(char::is_alphabetic) {
            typed += 1;
            with_marks += usize::from(normalise::is_marked(&syllable));
        }
        accented.push(syllable);
        i += 1;
    }
    let folded: Vec<String> = accented.iter().map(|s| normalise::fold(s)).collect();
    // Accented Vietnamese leaves about one syllable in five unmarked; a
    // text with far fewer marks was typed without them, here and there
    // corrected, and its plain syllables would only fail to confirm.
    let marked = with_marks * 5 >= typed * 2 && with_marks > 0;
    let stop_accented = stop::stop_mask(&accented, &folded, marked);
    let stop_folded = stop::stop_mask(&accented, &folded, false);
    let frame = frame::frame(if marked { &accented } else { &folded }, marked);
    Analysed {
        accented,
        folded,
        stop_accented,
        stop_folded,
        marked,
        frame,
    }
}

/// The comparison form of a text: NFC, lowercase, tone marks placed by one
/// rule, Telex typed with the IME off recovered, aliases expanded; syllables
/// joined by single spaces, punctuation dropped.
pub fn canonical(text: &str) -> String {
    analyse(text).accented.join(" ")
}

/// Diacritic-folded syllables of the canonical form (candidates are found
/// on these).
pub fn folded_syllables(text: &str) -> Vec<String> {
    analyse(text).folded
}

/// The pairwise decision the index applies: whether `b` would be suggested
/// as a repeat of `a` in an event holding only `a`.
pub fn same_question(a: &str, b: &str) -> bool {
    let mut index = Index::new();
    index.insert(0, a);
    !index.similar(b, None, 1).is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tone_placement_is_one_form() {
        assert_eq!(canonical("hòa"), canonical("hoà"));
        assert_eq!(canonical("Hòa giải ở cơ sở"), canonical("hoà giải ở cơ sở"));
        assert_eq!(canonical("quý I"), canonical("quí I"));
    }

    #[test]
    fn canonical_is_nfc_lowercase_without_punctuation() {
        // "Tiếng" written decomposed (NFD) and in capitals.
        let nfd = "TIE\u{302}\u{301}NG Viê\u{323}t, nhé!";
        assert_eq!(canonical(nfd), "tiếng việt nhé");
    }

    #[test]
    fn telex_is_recovered() {
        assert_eq!(canonical("phieeus tins nhieemj"), "phiếu tín nhiệm");
        assert_eq!(
            canonical("Ddanhs gias xeeps loaij cans booj"),
            "đánh giá xếp loại cán bộ"
        );
        assert_eq!(canonical("so xin tin"), "so xin tin");
    }

    #[test]
    fn aliases_expand_to_the_full_form() {
        assert_eq!(canonical("UBND tỉnh"), canonical("Ủy ban nhân dân tỉnh"));
        assert_eq!(canonical("HĐND"), canonical("hội đồng nhân dân"));
        assert_eq!(canonical("hdnd"), canonical("hội đồng nhân dân"));
        assert_eq!(canonical("KT-XH"), "kinh tế xã hội");
        assert_eq!(canonical("Đ/c Bí thư"), "đồng chí bí thư");
        assert_eq!(canonical("TU"), canonical("tỉnh ủy"));
        // Lowercase "tu" is a word (tu dưỡng), not the provincial committee.
        assert_eq!(canonical("tu dưỡng"), "tu dưỡng");
    }

    #[test]
    fn folded_syllables_drop_diacritics() {
        assert_eq!(
            folded_syllables("Đánh giá cán bộ"),
            ["danh", "gia", "can", "bo"]
        );
        assert_eq!(folded_syllables("phieeus"), ["phieu"]);
    }

    #[test]
    fn accents_confirm_when_both_sides_have_them() {
        assert_eq!(folded_syllables("con dế"), folded_syllables("con dê"));
        assert!(!same_question("con dế", "con dê"));
        assert!(same_question("con dê", "con de"));
        assert!(same_question("con de", "con dế"));
    }

    #[test]
    fn unaccented_and_telex_meet_the_accented_question() {
        let a = "Khi nào tỉnh tổ chức lấy phiếu tín nhiệm đối với các chức danh do HĐND bầu?";
        assert!(same_question(
            a,
            "khi nao tinh to chuc lay phieu tin nhiem doi voi cac chuc danh do HDND bau"
        ));
        assert!(same_question(
            a,
            "khi naof tinhr toor chuwcs laays phieeus tins nhieemj ddoois vowis cacs chuwcs danh do HDND bauf"
        ));
    }
}
