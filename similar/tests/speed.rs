//! How long `similar()` takes with a full event: 1,000 indexed questions of
//! about 300 characters, all on cadre work, so that most of them share
//! words with every query (the slow case for an inverted index).
//! `cargo test -p hoidap-similar --release --test speed -- --ignored --nocapture`
//!
//! Each query is timed as the fastest of three runs: on a shared machine a
//! single run mostly measures the scheduler.

use std::time::{Duration, Instant};

use hoidap_similar::Index;

/// Questions of about 300 characters made of the labelled set's sentences,
/// picked by a fixed linear congruential sequence.
fn questions(n: usize, seed: u64) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/data/pairs.tsv");
    let text = std::fs::read_to_string(path).expect("data/pairs.tsv");
    let sentences: Vec<&str> = text
        .lines()
        .skip(1)
        .flat_map(|l| l.split('\t').skip(2))
        .collect();
    let mut state = seed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    (0..n)
        .map(|_| {
            let mut q = String::new();
            while q.chars().count() < 300 {
                if !q.is_empty() {
                    q.push(' ');
                }
                q.push_str(sentences[next() % sentences.len()]);
            }
            q
        })
        .collect()
}

/// The fastest of three runs of `f`, and its result.
fn timed<T>(mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..3 {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.expect("ran"))
}

fn report(name: &str, mut times: Vec<Duration>) -> Duration {
    times.sort();
    let mean = times.iter().sum::<Duration>() / times.len() as u32;
    let p99 = times[times.len() * 99 / 100];
    println!(
        "{name}: mean {mean:?}, median {:?}, p99 {p99:?}, max {:?} over {}",
        times[times.len() / 2],
        times[times.len() - 1],
        times.len()
    );
    p99
}

#[test]
#[ignore = "timing; run in release with --ignored"]
fn similar_with_a_thousand_questions() {
    let indexed = questions(1000, 1);
    let mut index = Index::new();
    let started = Instant::now();
    for (id, q) in indexed.iter().enumerate() {
        index.insert(id as u64, q);
    }
    println!("insert 1000: {:?} in all", started.elapsed());
    let queries = questions(1000, 2);
    let started = Instant::now();
    let syllables: usize = queries
        .iter()
        .map(|q| hoidap_similar::folded_syllables(q).len())
        .sum();
    println!(
        "normalising 1000 queries ({syllables} syllables): {:?}",
        started.elapsed()
    );
    let mut found = 0;
    let times: Vec<Duration> = queries
        .iter()
        .map(|q| {
            let (t, m) = timed(|| index.similar(q, None, 5));
            found += m.len();
            t
        })
        .collect();
    println!("{found} suggestions for 1000 new questions");
    let p99 = report("similar (new questions)", times);
    // Repeats, typed without diacritics: every candidate is scored.
    let times: Vec<Duration> = indexed
        .iter()
        .take(1000)
        .enumerate()
        .map(|(id, q)| {
            let plain: String = hoidap_similar::folded_syllables(q).join(" ");
            let (e, m) = timed(|| index.similar(&plain, None, 5));
            assert!(
                m.iter().any(|m| m.id == id as u64),
                "{id}: {m:?}\n{q}\n{plain}"
            );
            e
        })
        .collect();
    let p99_repeats = report("similar (repeats, unaccented)", times);
    assert!(p99 < Duration::from_millis(1) && p99_repeats < Duration::from_millis(1));
}
