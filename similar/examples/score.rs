//! Prints the canonical forms of two texts and the score of the second
//! against the first, below the suggestion threshold too:
//! `cargo run -p hoidap-similar --release --example score A B`.

use hoidap_similar::{Index, canonical};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [a, b] = args.as_slice() else {
        eprintln!("usage: score A B");
        std::process::exit(2);
    };
    println!("a: {}\nb: {}", canonical(a), canonical(b));
    let mut index = Index::with_threshold(0.0);
    index.insert(0, a);
    println!("{:?}", index.similar(b, None, 1));
}
