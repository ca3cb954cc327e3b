//! What an operator sees on first start: the demo event's attendee link as
//! a QR code a phone can scan off the terminal, and the organiser console's
//! link. The QR is printed once, like the secrets next to it.

use hoidap_tests::{EventInfo, ServerProcess, http_request};

const BLOCKS: [char; 3] = ['▀', '▄', '█'];

/// The QR code in `out` as a phone's camera would read it: each character is
/// two modules (top, bottom), a block's ink is dark. Decoded with rqrr.
fn scan(out: &str) -> anyhow::Result<String> {
    let rows: Vec<Vec<char>> = out
        .lines()
        .filter(|l| l.chars().any(|c| BLOCKS.contains(&c)))
        .filter(|l| l.chars().all(|c| c == ' ' || BLOCKS.contains(&c)))
        .map(|l| l.chars().collect())
        .collect();
    anyhow::ensure!(!rows.is_empty(), "no QR code in\n{out}");
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let dark = |x: usize, y: usize| {
        let c = rows
            .get(y / 2)
            .and_then(|r| r.get(x))
            .copied()
            .unwrap_or(' ');
        matches!((c, y % 2), ('█', _) | ('▀', 0) | ('▄', 1))
    };
    // 4 pixels a module, and a light margin in case the quiet zone was cut.
    const SCALE: usize = 4;
    const MARGIN: usize = 8;
    let (w, h) = (width + 2 * MARGIN, rows.len() * 2 + 2 * MARGIN);
    let mut image = rqrr::PreparedImage::prepare_from_bitmap(w * SCALE, h * SCALE, |x, y| {
        let (x, y) = (x / SCALE, y / SCALE);
        x >= MARGIN && y >= MARGIN && dark(x - MARGIN, y - MARGIN)
    });
    let grids = image.detect_grids();
    anyhow::ensure!(grids.len() == 1, "{} QR codes found in\n{out}", grids.len());
    let (_, content) = grids[0].decode()?;
    Ok(content)
}

#[tokio::test]
async fn first_start_prints_a_qr_of_the_attendee_link_and_the_console() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    let (first_out, second_out) = (tmp.path().join("first"), tmp.path().join("second"));

    let mut server = ServerProcess::start_printing(&data, &first_out).await?;
    let auth = format!("Bearer {}", server.admin_token()?);
    let (status, body) = http_request(server.addr, "GET", "/api/events", Some(&auth), None).await?;
    anyhow::ensure!(status == 200, "list events: {status} {body}");
    let events: Vec<EventInfo> = serde_json::from_str(&body)?;
    let attendee = events[0].links.attendee.clone();
    let base = attendee.split("/j/").next().unwrap_or_default().to_owned();
    // The printed link leads somewhere: the console's page, which holds no
    // secret and so needs no token to load.
    let (status, page) = http_request(server.addr, "GET", "/admin", None, None).await?;
    anyhow::ensure!(status == 200, "GET /admin: {status}");
    assert!(page.contains("/js/admin.js"), "not the console:\n{page}");
    server.kill()?;
    drop(server);
    let first = std::fs::read_to_string(&first_out)?;
    // Into a file: plain blocks (`scan` reads only lines without colour
    // codes), and what they draw reads back as the attendee link.
    assert_eq!(scan(&first)?, attendee);
    let console = format!("{base}/admin");
    assert!(first.contains(&console), "{console} not in\n{first}");

    let server = ServerProcess::start_printing(&data, &second_out).await?;
    let base = format!("http://{}", server.addr);
    drop(server);
    let second = std::fs::read_to_string(&second_out)?;
    assert!(!second.contains(BLOCKS), "a QR code again in\n{second}");
    assert!(
        second.contains(&format!("{base}/admin")),
        "no console link in\n{second}"
    );
    Ok(())
}
