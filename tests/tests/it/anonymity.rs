//! Who sees who asked: the four identity levels (issue 10, item 4), checked
//! on the bytes every role receives and on every file the server keeps.

use crate::support::Hall;
use hoidap_protocol::{Action, ErrorCode, Identity, ServerMsg};
use hoidap_tests::Client;
use serde_json::json;
use std::time::Duration;

/// One asker's name and unit per level, each distinct so a leak is traced.
const PEOPLE: [(Identity, &str, &str); 4] = [
    (Identity::Named, "Nguyễn Văn Công Khai", "Sở Công Thương"),
    (Identity::UnitOnly, "Trần Thị Giấu Tên", "Sở Tài chính"),
    (Identity::HiddenFromHall, "Lê Văn Chủ Tọa Biết", "Sở Nội vụ"),
    (Identity::Anonymous, "Phạm Thị Bí Mật", "Ban Tổ chức Bí Mật"),
];

fn ask(identity: Identity, name: &str, unit: &str) -> Action {
    Action::Ask {
        text: format!("Câu hỏi của người chọn {identity:?}"),
        name: Some(name.into()),
        unit: Some(unit.into()),
        anonymous: false,
        identity: Some(identity),
        topic: None,
        official: None,
    }
}

fn saw(client: &Client, what: &str) -> bool {
    client.texts.iter().any(|t| t.contains(what))
}

#[tokio::test]
async fn each_level_shows_the_asker_to_exactly_whom_it_says() -> anyhow::Result<()> {
    let levels = ["named", "unit_only", "hidden_from_hall", "anonymous"];
    let hall = Hall::with(json!({
        "title": "Đối thoại về công tác cán bộ",
        "pre_moderation": false,
        "identities": levels,
    }))
    .await?;
    let mut panel = hall.moderator().await?;
    let mut screen = hall.screen().await?;
    let mut hall_phone = hall.attendee().await?;
    let mut asker = hall.attendee().await?;
    let mut ids = Vec::new();
    for (identity, name, unit) in PEOPLE {
        let Ok(seq) = asker.request(ask(identity, name, unit)).await? else {
            anyhow::bail!("{identity:?} refused")
        };
        assert!(seq > 0);
        ids.push(*asker.view.my_questions.keys().last().expect("own question"));
    }
    for c in [&mut panel, &mut screen, &mut hall_phone, &mut asker] {
        c.drain(Duration::from_millis(300)).await?;
    }
    let everyone = [&panel, &screen, &hall_phone, &asker];
    let hall_side = [&screen, &hall_phone];
    let [named, unit_only, hidden, anonymous] = PEOPLE;
    for c in everyone {
        assert!(
            saw(c, named.1) && saw(c, named.2),
            "named: everyone sees name and unit"
        );
        assert!(saw(c, unit_only.2), "unit only: everyone sees the unit");
        assert!(!saw(c, unit_only.1), "unit only: nobody gets the name");
        // Anonymous to everyone: in no frame to any role, the asker's own
        // acks and `mine` included (the server never kept it).
        assert!(!saw(c, anonymous.1) && !saw(c, anonymous.2));
    }
    assert!(
        saw(&panel, hidden.1) && saw(&panel, hidden.2),
        "the panel sees who asked"
    );
    for c in hall_side {
        assert!(!saw(c, hidden.1) && !saw(c, hidden.2), "the hall does not");
    }
    // No staff view links an anonymous question to its asker.
    let anon_id = ids[3];
    let on_panel = panel.view.questions.get(&anon_id).expect("on the panel");
    assert_eq!(
        (on_panel.identity, &on_panel.asker),
        (Identity::Anonymous, &None)
    );
    let hidden_q = &panel.view.questions[&ids[2]];
    assert!(hidden_q.asker.is_some() && hidden_q.anonymous);

    // A level the event does not offer is refused.
    let only_named = Hall::with(json!({ "title": "Họp", "identities": ["named"] })).await?;
    let mut phone = only_named.attendee().await?;
    let refused = phone.request(ask(Identity::Anonymous, "A", "B")).await?;
    assert_eq!(refused.unwrap_err().code, ErrorCode::AnonymousNotAllowed);
    let welcome_levels = phone.log.iter().find_map(|m| match m {
        ServerMsg::Snapshot { snapshot } => snapshot.settings.identities.clone(),
        _ => None,
    });
    assert_eq!(welcome_levels, Some(vec![Identity::Named]));

    // Nothing the server keeps holds what the asker chose not to show.
    let dir = hall.server.dir.clone();
    drop((panel, screen, hall_phone, asker));
    let _kept = hall.server.stop().await;
    let mut files = 0;
    for entry in walk(&dir)? {
        let bytes = std::fs::read(&entry)?;
        files += 1;
        for secret in [anonymous.1, anonymous.2, unit_only.1] {
            let found = bytes.windows(secret.len()).any(|w| w == secret.as_bytes());
            assert!(!found, "{secret:?} is in {}", entry.display());
        }
    }
    assert!(files >= 3, "the database, its WAL and the keys were read");
    Ok(())
}

/// Every file under `dir`.
fn walk(dir: &std::path::Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}
