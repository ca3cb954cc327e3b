//! Substitutions: the same sentence around a different word. "Quy trình
//! bổ nhiệm trưởng phòng" and "quy trình miễn nhiệm trưởng phòng" share all
//! but one syllable, so every bag-of-words score calls them close; what
//! gives them away is that the differing words stand in the same place.
//! A paraphrase mostly adds, drops or moves words instead.

/// How many places the two sequences of content syllables differ in on
/// both sides: gaps between consecutive common syllables (in longest
/// common subsequence order, with both ends as anchors) where each side
/// holds a syllable the other side has nowhere. Moved words are not
/// substitutions.
pub(crate) fn substitutions(q: &[u32], d: &[u32]) -> usize {
    // The table is n × m: a pasted essay must not cost a second. Questions
    // are far shorter; only their beginnings are aligned past this.
    const MAX: usize = 256;
    let (q, d) = (&q[..q.len().min(MAX)], &d[..d.len().min(MAX)]);
    let (n, m) = (q.len(), d.len());
    if n == 0 || m == 0 {
        return 0;
    }
    // lcs[i][j]: LCS length of q[i..] and d[j..], row-major.
    let mut lcs = vec![0u16; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if q[i] == d[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let only_q = |i: usize| !d.contains(&q[i]);
    let only_d = |j: usize| !q.contains(&d[j]);
    let (mut i, mut j, mut count) = (0, 0, 0);
    let (mut gap_q, mut gap_d) = (false, false);
    while i < n || j < m {
        if i < n && j < m && q[i] == d[j] {
            count += usize::from(gap_q && gap_d);
            (gap_q, gap_d) = (false, false);
            i += 1;
            j += 1;
        } else if j == m || (i < n && lcs[at(i + 1, j)] >= lcs[at(i, j + 1)]) {
            gap_q |= only_q(i);
            i += 1;
        } else {
            gap_d |= only_d(j);
            j += 1;
        }
    }
    count + usize::from(gap_q && gap_d)
}

#[cfg(test)]
mod tests {
    use super::substitutions;

    #[test]
    fn a_word_in_the_same_place_is_a_substitution() {
        // quy trình [bổ] nhiệm trưởng phòng / quy trình [miễn] nhiệm …
        assert_eq!(substitutions(&[1, 2, 3, 4, 5], &[1, 2, 9, 4, 5]), 1);
        assert_eq!(substitutions(&[7, 2, 3, 4, 8], &[6, 2, 3, 4, 9]), 2);
    }

    #[test]
    fn added_dropped_and_moved_words_are_not() {
        assert_eq!(substitutions(&[1, 2, 3, 4], &[1, 2, 9, 3, 4]), 0);
        assert_eq!(substitutions(&[1, 2, 3, 4], &[1, 4]), 0);
        assert_eq!(substitutions(&[1, 2, 3, 4], &[3, 4, 1, 2]), 0);
        assert_eq!(substitutions(&[], &[3]), 0);
    }
}
