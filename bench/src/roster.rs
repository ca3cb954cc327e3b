//! `roster`: what a delegate costs the server. Imports `delegates`
//! delegates (realistic Vietnamese names, units and positions) into a
//! roster event, claims `claimed` of the cards (each claim a hello and a
//! log entry; the connections then close), and reads the server's RSS
//! before the import, after it and after the claims, with the event's room
//! loaded throughout (a moderator stays connected). Memory per delegate is
//! the growth divided by the delegates.

use crate::server::Spawned;
use hoidap_protocol::Role;
use hoidap_tests::{Client, http_request};
use std::time::Instant;

const FAMILY: [&str; 8] = [
    "Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Võ",
];
const MIDDLE: [&str; 6] = ["Văn", "Thị", "Hữu", "Minh", "Thanh", "Đức"];
const GIVEN: [&str; 8] = ["An", "Bình", "Chi", "Dũng", "Hạnh", "Khoa", "Ngọc", "Phúc"];
const UNITS: [&str; 5] = [
    "Sở Nội vụ tỉnh Quảng Nam",
    "Ban Tổ chức Tỉnh ủy",
    "UBND huyện Đại Lộc",
    "Sở Tài chính",
    "Sở Giáo dục và Đào tạo",
];
const POSITIONS: [&str; 3] = ["Giám đốc", "Phó Giám đốc", "Trưởng phòng Tổ chức cán bộ"];

fn roster_csv(n: usize) -> String {
    let mut csv = String::from("\u{FEFF}STT;Họ và tên;Đơn vị;Chức vụ\r\n");
    for i in 0..n {
        let name = format!(
            "{} {} {} {}",
            FAMILY[i % 8],
            MIDDLE[(i / 8) % 6],
            GIVEN[(i / 48) % 8],
            i + 1
        );
        let (unit, position) = (UNITS[i % 5], POSITIONS[i % 3]);
        csv.push_str(&format!("{};{name};{unit};{position}\r\n", i + 1));
    }
    csv
}

pub async fn run(
    bin: &std::path::Path,
    delegates: usize,
    claimed: usize,
) -> anyhow::Result<serde_json::Value> {
    let server = Spawned::start(bin).await?;
    let auth = format!("Bearer {}", server.admin_token());
    let body = serde_json::json!({ "title": "Đối thoại", "roster": true }).to_string();
    let (status, text) =
        http_request(server.addr, "POST", "/api/events", Some(&auth), Some(&body)).await?;
    anyhow::ensure!(status == 201, "create event: {status} {text}");
    let event: serde_json::Value = serde_json::from_str(&text)?;
    let code = event["join_code"].as_str().unwrap_or_default().to_owned();
    let secret = event["moderator_secret"].as_str().map(str::to_owned);
    // Keeps the room loaded.
    let _moderator =
        Client::join(&server.ws_url(), &code, Role::Moderator, secret.as_deref()).await?;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let before = server.rss_kib()?;

    let csv = roster_csv(delegates);
    let t = Instant::now();
    let path = format!("/api/events/{code}/roster");
    let (status, text) = http_request(server.addr, "POST", &path, Some(&auth), Some(&csv)).await?;
    anyhow::ensure!(status == 200, "import: {status} {text}");
    let import_ms = t.elapsed().as_secs_f64() * 1000.0;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let imported = server.rss_kib()?;

    let (status, text) = http_request(server.addr, "GET", &path, Some(&auth), None).await?;
    anyhow::ensure!(status == 200, "list: {status}");
    let cards: Vec<serde_json::Value> = serde_json::from_str(&text)?;
    let t = Instant::now();
    for card in cards.iter().take(claimed) {
        let card = card["code"].as_str().unwrap_or_default();
        let claim = Client::claim(&server.ws_url(), &code, card).await?;
        anyhow::ensure!(claim.is_ok(), "claim refused: {:?}", claim.err());
    }
    let claim_ms = t.elapsed().as_secs_f64() * 1000.0 / claimed.max(1) as f64;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let after_claims = server.rss_kib()?;
    let per = |kib: u64| {
        crate::wire::round1((kib.saturating_sub(before) * 1024) as f64 / delegates as f64)
    };
    Ok(serde_json::json!({
        "scenario": "roster",
        "delegates": delegates,
        "claimed": claimed,
        "csv_bytes": csv.len(),
        "import_ms": crate::wire::round1(import_ms),
        "claim_ms_mean": crate::wire::round1(claim_ms),
        "rss_kib": { "before": before, "imported": imported, "after_claims": after_claims },
        "bytes_per_delegate_imported": per(imported),
        "bytes_per_delegate_after_claims": per(after_claims),
    }))
}
