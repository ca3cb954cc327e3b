//! The index as the room actor uses it: questions arrive, get edited and
//! withdrawn, and each new one asks for its likely repeats.

use hoidap_similar::{Index, Match};

const PHIEU: &str = "Lấy phiếu tín nhiệm giữa nhiệm kỳ được tổ chức vào thời gian nào?";
const PHIEU_PLAIN: &str = "lay phieu tin nhiem giua nhiem ky duoc to chuc vao thoi gian nao";
const LUONG: &str = "Khi nào áp dụng bảng lương mới theo vị trí việc làm?";
const NHA: &str = "Cán bộ luân chuyển xa nhà có được bố trí nhà công vụ không?";

fn ids(matches: &[Match]) -> Vec<u64> {
    matches.iter().map(|m| m.id).collect()
}

#[test]
fn insert_finds_and_remove_forgets() {
    let mut index = Index::new();
    assert!(index.is_empty());
    index.insert(1, PHIEU);
    index.insert(2, LUONG);
    index.insert(3, NHA);
    assert_eq!(index.len(), 3);
    assert_eq!(ids(&index.similar(PHIEU_PLAIN, None, 5)), [1]);
    index.remove(1);
    assert_eq!(index.len(), 2);
    assert!(index.similar(PHIEU_PLAIN, None, 5).is_empty());
    // Removing twice, or an unknown id, changes nothing.
    index.remove(1);
    index.remove(99);
    assert_eq!(index.len(), 2);
    assert_eq!(ids(&index.similar(LUONG, None, 5)), [2]);
}

#[test]
fn insert_again_is_an_edit() {
    let mut index = Index::new();
    index.insert(7, PHIEU);
    index.insert(7, LUONG);
    assert_eq!(index.len(), 1);
    assert!(index.similar(PHIEU_PLAIN, None, 5).is_empty());
    assert_eq!(
        ids(&index.similar(
            "bao gio ap dung bang luong moi theo vi tri viec lam",
            None,
            5
        )),
        [7]
    );
}

#[test]
fn slots_of_removed_questions_are_reused_cleanly() {
    let mut index = Index::new();
    index.insert(1, PHIEU);
    index.remove(1);
    index.insert(2, NHA);
    assert!(index.similar(PHIEU, None, 5).is_empty());
    assert_eq!(ids(&index.similar(NHA, None, 5)), [2]);
}

#[test]
fn exclude_leaves_out_the_question_itself() {
    let mut index = Index::new();
    index.insert(1, PHIEU);
    index.insert(2, PHIEU_PLAIN);
    assert_eq!(ids(&index.similar(PHIEU_PLAIN, Some(2), 5)), [1]);
    assert_eq!(ids(&index.similar(PHIEU, Some(1), 5)), [2]);
    // Excluding an id the index does not hold excludes nothing.
    assert_eq!(index.similar(PHIEU, Some(42), 5).len(), 2);
}

#[test]
fn limit_keeps_the_best_first() {
    let mut index = Index::new();
    index.insert(
        10,
        "Lấy phiếu tín nhiệm giữa nhiệm kỳ được tổ chức vào thời gian nào ạ, thưa đồng chí?",
    );
    index.insert(11, PHIEU);
    index.insert(
        12,
        "Xin hỏi lấy phiếu tín nhiệm giữa nhiệm kỳ năm nay được tổ chức vào thời gian nào?",
    );
    index.insert(13, LUONG);
    let all = index.similar(PHIEU, None, 10);
    assert_eq!(all.len(), 3, "{all:?}");
    assert_eq!(all[0].id, 11);
    assert!((all[0].score - 1.0).abs() < 1e-4);
    assert!(all.windows(2).all(|w| w[0].score >= w[1].score));
    assert!(all.iter().all(|m| (0.0..=1.0).contains(&m.score)));
    let two = index.similar(PHIEU, None, 2);
    assert_eq!(two, all[..2]);
    assert!(index.similar(PHIEU, None, 0).is_empty());
}

#[test]
fn nothing_to_say_about_empty_text() {
    let mut index = Index::default();
    index.insert(1, PHIEU);
    assert!(index.similar("", None, 5).is_empty());
    assert!(index.similar("?!…", None, 5).is_empty());
    index.insert(2, "");
    assert_eq!(index.len(), 2);
}

#[test]
fn accented_repeats_must_agree_on_accents() {
    let mut index = Index::new();
    index.insert(1, "Tỉnh có hỗ trợ nuôi con dê cho hộ nghèo không?");
    index.insert(2, "Tỉnh có hỗ trợ nuôi con dế cho hộ nghèo không?");
    // Both accented: only the one with the same words.
    assert_eq!(
        ids(&index.similar("Tỉnh có hỗ trợ nuôi con dế cho hộ nghèo không", None, 5))[0],
        2
    );
    // Unaccented: nothing to tell them apart, both suggested.
    let plain = index.similar("tinh co ho tro nuoi con de cho ho ngheo khong", None, 5);
    assert_eq!(plain.len(), 2);
    assert!((plain[0].score - plain[1].score).abs() < 1e-4);
}

#[test]
fn long_texts_and_large_limits_stay_cheap() {
    let mut index = Index::new();
    let essay = PHIEU.repeat(2000);
    index.insert(1, &essay);
    index.insert(2, PHIEU);
    let started = std::time::Instant::now();
    let found = index.similar(&essay, None, usize::MAX);
    // Unbounded alignment would need gigabytes and minutes here.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(found[0].id, 1);
}
