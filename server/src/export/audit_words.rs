//! The audit's words: what a status change, a phase or a settings change
//! is called in the meeting's language.

use super::role_words;
use crate::export::identity_words;
use hoidap_protocol::{Phase, QuestionStatus, Settings};

pub(super) fn with_reason(details: &mut String, reason: Option<&str>) {
    if let Some(r) = reason.filter(|r| !r.is_empty()) {
        details.push_str("; lý do: ");
        details.push_str(r);
    }
}

pub(super) fn status_action(
    from: QuestionStatus,
    to: QuestionStatus,
) -> (&'static str, &'static str) {
    use QuestionStatus::*;
    match (from, to) {
        (Pending, Live) => ("approved", "Duyệt câu hỏi"),
        (_, Hidden) => ("hidden", "Ẩn câu hỏi"),
        (Hidden, Live) => ("restored", "Khôi phục câu hỏi"),
        (_, Answered) => ("answered", "Đánh dấu đã trả lời tại hội nghị"),
        (Answered, Live) => ("reopened", "Mở lại câu hỏi"),
        _ => ("status_set", "Đổi trạng thái câu hỏi"),
    }
}

pub(super) fn phase_words(phase: Phase) -> String {
    match phase {
        Phase::Open => "Nhận câu hỏi và ủng hộ",
        Phase::VotingOnly => "Chỉ ủng hộ, ngừng nhận câu hỏi",
        Phase::Closed => "Đã kết thúc",
    }
    .to_owned()
}

fn on_off(on: bool) -> &'static str {
    if on { "bật" } else { "tắt" }
}

/// What `after` changed of `before`, in words.
pub(super) fn settings_changes(before: &Settings, after: &Settings) -> String {
    let mut out = Vec::new();
    let mut flag = |name: &str, was: bool, now: bool| {
        if was != now {
            out.push(format!("{name}: {}", on_off(now)));
        }
    };
    flag("duyệt trước", before.pre_moderation, after.pre_moderation);
    flag(
        "chỉ chủ tọa chọn câu hỏi",
        before.chair_sets_current,
        after.chair_sets_current,
    );
    flag("danh sách đại biểu", before.roster, after.roster);
    flag(
        "người hỏi chọn lĩnh vực",
        before.asker_routes,
        after.asker_routes,
    );
    let (was, now) = (before.screen, after.screen);
    flag("màn hình: câu tiếp theo", was.up_next, now.up_next);
    flag("màn hình: lượt ủng hộ", was.votes, now.votes);
    flag("màn hình: lĩnh vực, kính gửi", was.routing, now.routing);
    flag("màn hình trống", was.blank, now.blank);
    if before.max_length != after.max_length {
        out.push(format!("độ dài tối đa: {}", after.max_length));
    }
    if before.identities() != after.identities() {
        let levels: Vec<&str> = after.identities().into_iter().map(identity_words).collect();
        out.push(format!("mức hiển thị người hỏi: {}", levels.join(", ")));
    }
    if before.export_roles != after.export_roles {
        let roles: Vec<&str> = after.export_roles.iter().map(|r| role_words(*r)).collect();
        let roles = if roles.is_empty() {
            "chỉ ban tổ chức và chủ tọa".to_owned()
        } else {
            roles.join(", ")
        };
        out.push(format!("vai trò được xuất dữ liệu: {roles}"));
    }
    out.join("; ")
}
