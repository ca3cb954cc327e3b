//! TypeScript declarations for the browser client, generated from the Rust
//! types so the two cannot drift. `tests::committed_declarations_are_fresh`
//! rewrites `web-client/js/protocol.d.ts` and fails when it was stale.

use crate::*;
use ts_rs::TS;

/// The whole generated file.
pub fn declarations() -> String {
    let decls = [
        Role::decl(),
        QuestionStatus::decl(),
        Phase::decl(),
        Settings::decl(),
        Identity::decl(),
        StaffRole::decl(),
        StaffWho::decl(),
        StaffPresence::decl(),
        LinkPresence::decl(),
        RosterPresence::decl(),
        DelegateWho::decl(),
        Topic::decl(),
        TopicInput::decl(),
        Official::decl(),
        Answer::decl(),
        StepKind::decl(),
        Step::decl(),
        ScreenSettings::decl(),
        FollowUp::decl(),
        Question::decl(),
        Snapshot::decl(),
        Change::decl(),
        VoteCount::decl(),
        ResumeFrom::decl(),
        ClientMsg::decl(),
        Action::decl(),
        Participant::decl(),
        ServerMsg::decl(),
        ErrorCode::decl(),
    ];
    let mut out = String::from(
        "// Generated from protocol/src/lib.rs by `cargo test -p hoidap-protocol --features ts`.\n\
         // Do not edit by hand.\n\n",
    );
    out.push_str(&format!(
        "export const PROTOCOL_VERSION = {PROTOCOL_VERSION};\n\n"
    ));
    for decl in decls {
        out.push_str("export ");
        out.push_str(&decl);
        out.push_str("\n\n");
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn committed_declarations_are_fresh() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web-client/app/js/protocol.d.ts");
        let fresh = super::declarations();
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != fresh {
            std::fs::write(&path, &fresh).unwrap();
            panic!(
                "{} was stale and has been regenerated; review and commit it",
                path.display()
            );
        }
    }
}
