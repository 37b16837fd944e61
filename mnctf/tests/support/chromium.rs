//! A report page opened as a person opens it: Debian's Chromium, headless, with the network
//! off (a network namespace of its own when the tests run as root, else every host name
//! unresolvable and a dead proxy), reading what the page's own script records once loaded.

use std::path::Path;
use std::process::Command;

/// (diagrams drawn, diagrams in the page) of the HTML file at `page`, as Chromium saw it.
pub fn diagrams_drawn(page: &Path) -> (usize, usize) {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let chromium_args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=5000",
        "--dump-dom",
    ];
    let isolated = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success());
    let mut cmd = if isolated {
        let mut c = Command::new("unshare");
        c.args(["-n", "chromium"]);
        c
    } else {
        Command::new("chromium")
    };
    let out = cmd
        .args(chromium_args)
        .arg(&url)
        .env("HOME", std::env::temp_dir())
        .output()
        .expect("chromium runs (scripts/setup installs Debian's chromium)");
    assert!(
        out.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let total = std::fs::read_to_string(page)
        .unwrap()
        .matches("<svg class=\"diagram\"")
        .count();
    let marked = dom
        .split("data-diagrams=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| {
            panic!(
                "the page's script did not run: {}",
                &dom[..dom.len().min(400)]
            )
        });
    let (drawn, seen) = marked.split_once('/').expect("drawn/total");
    assert_eq!(
        seen.parse::<usize>().unwrap(),
        total,
        "chromium saw every diagram"
    );
    (drawn.parse().unwrap(), total)
}

/// Rust Debug text a person should never read: `Some(…)`, a lone `None`, `["…"]` lists.
pub fn assert_no_debug_text(html: &str) {
    for pattern in ["Some(", "[&quot;", "[\""] {
        if let Some(at) = html.find(pattern) {
            panic!(
                "Debug text {pattern:?}: …{}…",
                &html[at.saturating_sub(80)..(at + 80).min(html.len())]
            );
        }
    }
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    for (at, _) in html.match_indices("None") {
        let before = html[..at].chars().next_back();
        let after = html[at + 4..].chars().next();
        assert!(
            word(before) || word(after),
            "Debug text None: …{}…",
            &html[at.saturating_sub(80)..(at + 80).min(html.len())]
        );
    }
}
