//! Abbreviations of titles and terms heard in a provincial committee's
//! cadre work, each expanded to its full form so "UBND" and "ủy ban nhân
//! dân" compare equal. The list is kept small on purpose: every entry is an
//! abbreviation an official actually writes on a phone.

use std::collections::HashMap;
use std::sync::OnceLock;

/// (abbreviation as lowercase words, only when written in capitals, full form).
/// Entries that are also ordinary words ("tu", "tw" which Telex reads as
/// "tư") expand only when typed in capitals.
const ALIASES: &[(&str, bool, &str)] = &[
    ("ubnd", false, "ủy ban nhân dân"),
    ("hđnd", false, "hội đồng nhân dân"),
    ("hdnd", false, "hội đồng nhân dân"),
    ("btv", false, "ban thường vụ"),
    ("bch", false, "ban chấp hành"),
    ("tw", true, "trung ương"),
    ("tu", true, "tỉnh ủy"),
    ("cb", false, "cán bộ"),
    ("cbcc", false, "cán bộ công chức"),
    ("ccvc", false, "công chức viên chức"),
    ("cbccvc", false, "cán bộ công chức viên chức"),
    ("snv", false, "sở nội vụ"),
    ("btc", false, "ban tổ chức"),
    ("btctu", false, "ban tổ chức tỉnh ủy"),
    ("kt xh", false, "kinh tế xã hội"),
    ("ktxh", false, "kinh tế xã hội"),
    ("mttq", false, "mặt trận tổ quốc"),
    ("ubkt", false, "ủy ban kiểm tra"),
    ("cntt", false, "công nghệ thông tin"),
    ("cđs", false, "chuyển đổi số"),
    ("cds", false, "chuyển đổi số"),
    ("bhxh", false, "bảo hiểm xã hội"),
    ("nq", false, "nghị quyết"),
    ("nđ", false, "nghị định"),
    ("qđ", false, "quyết định"),
    ("gđ", false, "giám đốc"),
    ("pgđ", false, "phó giám đốc"),
    ("pct", false, "phó chủ tịch"),
    ("đ c", false, "đồng chí"),
];

/// An alias split into words.
struct Alias {
    rest: Vec<&'static str>,
    needs_upper: bool,
    full: &'static str,
}

/// The aliases by their first word: most words of a question start none.
fn by_first_word() -> &'static HashMap<&'static str, Vec<Alias>> {
    static TABLE: OnceLock<HashMap<&'static str, Vec<Alias>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table: HashMap<&'static str, Vec<Alias>> = HashMap::new();
        for &(key, needs_upper, full) in ALIASES {
            let mut words = key.split(' ');
            let first = words.next().unwrap_or(key);
            table.entry(first).or_default().push(Alias {
                rest: words.collect(),
                needs_upper,
                full,
            });
        }
        table
    })
}

/// The longest alias starting at `words[at]`: how many words it covers and
/// its full form. `upper[i]` tells whether word i was written in capitals.
pub(crate) fn expand(words: &[&str], upper: &[bool], at: usize) -> Option<(usize, &'static str)> {
    let mut best: Option<(usize, &'static str)> = None;
    for alias in by_first_word().get(words[at])? {
        let n = 1 + alias.rest.len();
        if at + n > words.len() || best.is_some_and(|(m, _)| m >= n) {
            continue;
        }
        let matches = alias
            .rest
            .iter()
            .zip(&words[at + 1..at + n])
            .all(|(k, w)| k == w);
        if matches && (!alias.needs_upper || upper[at..at + n].iter().all(|&u| u)) {
            best = Some((n, alias.full));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::expand;

    #[test]
    fn longest_alias_wins_and_capitals_matter() {
        assert_eq!(
            expand(&["kt", "xh"], &[true, true], 0),
            Some((2, "kinh tế xã hội"))
        );
        assert_eq!(expand(&["tu"], &[true], 0), Some((1, "tỉnh ủy")));
        assert_eq!(expand(&["tu"], &[false], 0), None);
        assert_eq!(expand(&["cán", "bộ"], &[false, false], 0), None);
    }
}
