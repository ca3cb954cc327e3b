//! The incremental index: an inverted index on folded features to find
//! candidates, then a weighted Dice score on accented or folded features to
//! confirm them.

use std::collections::HashMap;

use crate::{Analysed, analyse};

/// Lowest score suggested. Tuned on the tuning half of `data/pairs.tsv`
/// (see `tests/eval.rs`), rounded towards precision.
const THRESHOLD: f32 = 0.6;
/// Weight of a function word relative to a content word.
const STOP_WEIGHT: f32 = 0.15;
/// Factor on the score of two questions that ask for different things
/// (a time against a number, yes/no against a person).
const FRAME_PENALTY: f32 = 0.75;
/// Factor on the score for each place (at most two) where the texts hold
/// different words in the same position ([`crate::align`]).
const SUBSTITUTION_PENALTY: f32 = 0.75;
/// Candidates must share this part of the query's folded weight to be
/// scored at all; a repeat shares far more.
const PREFILTER: f32 = 0.25;

/// An existing question the new one probably repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Match {
    pub id: u64,
    /// 0..=1, higher is closer
    pub score: f32,
}

/// A syllable (its symbol) or an adjacent pair of syllables.
type Key = u64;

/// Symbols of the index stay below this; a query's unseen syllables get
/// ids above it, so they still count but match nothing.
const TEMP_BASE: u32 = 1 << 30;

fn unigram(a: u32) -> Key {
    u64::from(a)
}

fn bigram(a: u32, b: u32) -> Key {
    1 << 63 | u64::from(a) << 31 | u64::from(b)
}

/// Feature keys of one text with their static weights, deduplicated.
struct Features {
    /// (folded key, weight)
    folded: Vec<(Key, f32)>,
    /// (accented key, folded key, weight)
    accented: Vec<(Key, Key, f32)>,
    /// Symbols of the content syllables in order, folded and accented.
    folded_seq: Vec<u32>,
    accented_seq: Vec<u32>,
}

fn features(a: &Analysed, mut symbol: impl FnMut(&str) -> u32) -> Features {
    // Each form weighs function words by its own rule, so that two texts
    // compared in one form are weighed alike however they were typed.
    let weight = |stop: &[bool]| -> Vec<f32> {
        stop.iter()
            .map(|&s| if s { STOP_WEIGHT } else { 1.0 })
            .collect()
    };
    let (w_fold, w_acc) = (weight(&a.stop_folded), weight(&a.stop_accented));
    let fs: Vec<u32> = a.folded.iter().map(|s| symbol(s)).collect();
    let acs: Vec<u32> = a.accented.iter().map(|s| symbol(s)).collect();
    let mut folded = HashMap::new();
    let mut accented = HashMap::new();
    let mut add = |fk: Key, wf: f32, ak: Key, wa: f32| {
        let e = folded.entry(fk).or_insert(wf);
        *e = e.max(wf);
        let e = accented.entry(ak).or_insert((fk, wa));
        e.1 = e.1.max(wa);
    };
    for i in 0..fs.len() {
        add(unigram(fs[i]), w_fold[i], unigram(acs[i]), w_acc[i]);
        if i + 1 < fs.len() {
            add(
                bigram(fs[i], fs[i + 1]),
                w_fold[i].min(w_fold[i + 1]),
                bigram(acs[i], acs[i + 1]),
                w_acc[i].min(w_acc[i + 1]),
            );
        }
    }
    let content = |syms: &[u32], stop: &[bool]| -> Vec<u32> {
        syms.iter()
            .zip(stop)
            .filter(|&(_, &stop)| !stop)
            .map(|(&s, _)| s)
            .collect()
    };
    Features {
        folded: folded.into_iter().collect(),
        accented: accented.into_iter().map(|(a, (f, w))| (a, f, w)).collect(),
        folded_seq: content(&fs, &a.stop_folded),
        accented_seq: content(&acs, &a.stop_accented),
    }
}

struct Doc {
    id: u64,
    marked: bool,
    frame: u8,
    /// (folded feature, weight), sorted by feature.
    folded: Vec<(u32, f32)>,
    /// (accented feature, its folded feature, weight), sorted by the first.
    accented: Vec<(u32, u32, f32)>,
    folded_seq: Vec<u32>,
    accented_seq: Vec<u32>,
}

/// An incremental index of an event's questions.
///
/// Symbols and features of removed questions are kept (an event holds at
/// most a few thousand questions over its life), postings are not.
pub struct Index {
    /// Lowest score suggested.
    threshold: f32,
    docs: Vec<Option<Doc>>,
    free: Vec<u32>,
    slots: HashMap<u64, u32>,
    symbols: HashMap<String, u32>,
    folded_ids: HashMap<Key, u32>,
    accented_ids: HashMap<Key, u32>,
    /// Slots holding each folded feature; its length is the feature's DF.
    postings: Vec<Vec<u32>>,
}

/// A query's features resolved against the index.
struct Query {
    marked: bool,
    frame: u8,
    /// (folded feature if the index knows it, weight), known ones sorted.
    folded: Vec<(Option<u32>, f32)>,
    /// (accented feature, folded feature, weight), known ones sorted.
    accented: Vec<(Option<u32>, Option<u32>, f32)>,
    folded_seq: Vec<u32>,
    accented_seq: Vec<u32>,
}

impl Default for Index {
    fn default() -> Self {
        Self::with_threshold(THRESHOLD)
    }
}

impl Index {
    pub fn new() -> Self {
        Self::default()
    }

    /// An index suggesting from another score than the tuned default (the
    /// evaluation sweeps it; a panel wanting more suggestions may lower it).
    pub fn with_threshold(threshold: f32) -> Self {
        Self {
            threshold,
            docs: Vec::new(),
            free: Vec::new(),
            slots: HashMap::new(),
            symbols: HashMap::new(),
            folded_ids: HashMap::new(),
            accented_ids: HashMap::new(),
            postings: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Adds or replaces (edits) a question's text.
    pub fn insert(&mut self, id: u64, text: &str) {
        self.remove(id);
        let analysed = analyse(text);
        let symbols = &mut self.symbols;
        let f = features(&analysed, |s| {
            if let Some(&id) = symbols.get(s) {
                return id;
            }
            // Past 2^30 syllables (never, for one event) new ones would
            // share the last id: a lost distinction, not a crash.
            let id = u32::try_from(symbols.len()).map_or(TEMP_BASE - 1, |n| n.min(TEMP_BASE - 1));
            symbols.insert(s.to_owned(), id);
            id
        });
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.docs.push(None);
                u32::try_from(self.docs.len() - 1).expect("fewer than 2^32 questions")
            }
        };
        let mut folded: Vec<(u32, f32)> = f
            .folded
            .iter()
            .map(|&(k, w)| (self.folded_id(k), w))
            .collect();
        folded.sort_by_key(|&(k, _)| k);
        for &(k, _) in &folded {
            self.postings[k as usize].push(slot);
        }
        let mut accented: Vec<(u32, u32, f32)> = f
            .accented
            .iter()
            .map(|&(a, fk, w)| {
                let next = u32::try_from(self.accented_ids.len()).unwrap_or(u32::MAX);
                let a = *self.accented_ids.entry(a).or_insert(next);
                (a, self.folded_id(fk), w)
            })
            .collect();
        accented.sort_by_key(|&(k, _, _)| k);
        self.docs[slot as usize] = Some(Doc {
            id,
            marked: analysed.marked,
            frame: analysed.frame,
            folded,
            accented,
            folded_seq: f.folded_seq,
            accented_seq: f.accented_seq,
        });
        self.slots.insert(id, slot);
    }

    fn folded_id(&mut self, key: Key) -> u32 {
        let next = u32::try_from(self.postings.len()).unwrap_or(u32::MAX);
        let id = *self.folded_ids.entry(key).or_insert(next);
        if id == next {
            self.postings.push(Vec::new());
        }
        id
    }

    pub fn remove(&mut self, id: u64) {
        let Some(slot) = self.slots.remove(&id) else {
            return;
        };
        if let Some(doc) = self.docs[slot as usize].take() {
            for (k, _) in doc.folded {
                let posting = &mut self.postings[k as usize];
                if let Some(at) = posting.iter().position(|&s| s == slot) {
                    posting.swap_remove(at);
                }
            }
        }
        self.free.push(slot);
    }

    /// Existing questions `text` probably repeats, best first, at most
    /// `limit`; never `exclude` (the new question itself, if already
    /// inserted).
    pub fn similar(&self, text: &str, exclude: Option<u64>, limit: usize) -> Vec<Match> {
        if limit == 0 || self.is_empty() {
            return Vec::new();
        }
        let query = self.query(&analyse(text));
        // IDF with smoothing, by document frequency: a feature every
        // question holds still weighs something.
        let n = self.len() as f32;
        let idf: Vec<f32> = (0..=self.len())
            .map(|df| (1.0 + (n + 1.0) / (df as f32 + 1.0)).ln())
            .collect();
        let df = |f: Option<u32>| f.map_or(0, |f| self.postings[f as usize].len());
        let w_query = query
            .folded
            .iter()
            .map(|&(f, w)| w * idf[df(f)])
            .sum::<f32>();
        if w_query <= 0.0 {
            return Vec::new();
        }
        let mut shared = vec![0f32; self.docs.len()];
        for &(f, w) in &query.folded {
            let Some(f) = f else { continue };
            let posting = &self.postings[f as usize];
            let w = w * idf[posting.len()];
            for &slot in posting {
                shared[slot as usize] += w;
            }
        }
        let excluded = exclude.and_then(|id| self.slots.get(&id).copied());
        let mut candidates: Vec<(u32, f32)> = shared
            .iter()
            .enumerate()
            .filter(|&(slot, &s)| s >= PREFILTER * w_query && Some(slot as u32) != excluded)
            .map(|(slot, &s)| (slot as u32, s))
            .collect();
        candidates.sort_by(|a, b| b.1.total_cmp(&a.1));
        // The most shared first; a repeat shares nearly all of the query.
        candidates.truncate(limit.max(4).saturating_mul(4));
        let weighted = Weighted::new(&query, |f| idf[df(f)]);
        let mut matches: Vec<Match> = candidates
            .into_iter()
            .filter_map(|(slot, _)| {
                let doc = self.docs[slot as usize].as_ref()?;
                let idf = |f: u32| idf[self.postings[f as usize].len()];
                let score = score(&query, &weighted, doc, idf, self.threshold)?;
                Some(Match { id: doc.id, score })
            })
            .collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        matches.truncate(limit);
        matches
    }

    fn query(&self, analysed: &Analysed) -> Query {
        let mut temp: HashMap<String, u32> = HashMap::new();
        let f = features(analysed, |s| match self.symbols.get(s) {
            Some(&id) => id,
            None => {
                let next = TEMP_BASE + u32::try_from(temp.len()).unwrap_or(0);
                *temp.entry(s.to_owned()).or_insert(next)
            }
        });
        let mut folded: Vec<(Option<u32>, f32)> = f
            .folded
            .iter()
            .map(|&(k, w)| (self.folded_ids.get(&k).copied(), w))
            .collect();
        folded.sort_by_key(|&(k, _)| k.map_or(u32::MAX, |k| k));
        let mut accented: Vec<(Option<u32>, Option<u32>, f32)> = f
            .accented
            .iter()
            .map(|&(a, fk, w)| {
                (
                    self.accented_ids.get(&a).copied(),
                    self.folded_ids.get(&fk).copied(),
                    w,
                )
            })
            .collect();
        accented.sort_by_key(|&(k, _, _)| k.map_or(u32::MAX, |k| k));
        Query {
            marked: analysed.marked,
            frame: analysed.frame,
            folded,
            accented,
            folded_seq: f.folded_seq,
            accented_seq: f.accented_seq,
        }
    }
}

/// The query's features with their weights, both forms, built once per
/// `similar()` call: (key, weight) sorted by key, unseen ones as
/// `u32::MAX` at the end, and the total weight.
struct Weighted {
    folded: Vec<(u32, f32)>,
    folded_total: f32,
    accented: Vec<(u32, f32)>,
    accented_total: f32,
}

impl Weighted {
    fn new(query: &Query, idf: impl Fn(Option<u32>) -> f32) -> Self {
        let folded: Vec<(u32, f32)> = query
            .folded
            .iter()
            .map(|&(f, w)| (f.unwrap_or(u32::MAX), w * idf(f)))
            .collect();
        let accented: Vec<(u32, f32)> = query
            .accented
            .iter()
            .map(|&(a, f, w)| (a.unwrap_or(u32::MAX), w * idf(f)))
            .collect();
        Self {
            folded_total: folded.iter().map(|&(_, w)| w).sum(),
            accented_total: accented.iter().map(|&(_, w)| w).sum(),
            folded,
            accented,
        }
    }
}

/// Weighted Dice coefficient over sorted (key, weight) lists: the weight
/// both texts share over the weight of both.
fn dice(q: &[(u32, f32)], q_total: f32, d: impl Iterator<Item = (u32, f32)>) -> f32 {
    let (mut i, mut both, mut d_total) = (0, 0f32, 0f32);
    for (key, w) in d {
        d_total += w;
        while i < q.len() && q[i].0 < key {
            i += 1;
        }
        if i < q.len() && q[i].0 == key {
            both += q[i].1 + w;
            i += 1;
        }
    }
    let total = q_total + d_total;
    if total > 0.0 {
        (both / total).min(1.0)
    } else {
        0.0
    }
}

/// The score of `doc` for the query: weighted Dice on accented features
/// when both texts carry diacritics, so words that only fold equal count
/// against the match, folded otherwise; then lowered when the two ask for
/// different things or hold different words in the same places. `None`
/// below `threshold` (the alignment, the costly part, is skipped then).
fn score(
    query: &Query,
    weighted: &Weighted,
    doc: &Doc,
    idf: impl Fn(u32) -> f32,
    threshold: f32,
) -> Option<f32> {
    let accents = query.marked && doc.marked;
    let mut s = if accents {
        dice(
            &weighted.accented,
            weighted.accented_total,
            doc.accented.iter().map(|&(a, f, w)| (a, w * idf(f))),
        )
    } else {
        dice(
            &weighted.folded,
            weighted.folded_total,
            doc.folded.iter().map(|&(f, w)| (f, w * idf(f))),
        )
    };
    if crate::frame::differ(query.frame, doc.frame) {
        s *= FRAME_PENALTY;
    }
    if s < threshold {
        return None;
    }
    let substituted = if accents {
        crate::align::substitutions(&query.accented_seq, &doc.accented_seq)
    } else {
        crate::align::substitutions(&query.folded_seq, &doc.folded_seq)
    };
    s *= SUBSTITUTION_PENALTY.powi(substituted.min(2) as i32);
    (s >= threshold).then_some(s)
}
