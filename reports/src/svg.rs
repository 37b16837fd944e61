//! Sequence diagrams drawn as SVG when a report is written, so they show anywhere, offline,
//! printed or on screen: the organisations' view (each step as a bar across the parties it
//! involved, named in Japanese) and the HTTP trace (every message as an arrow).

use crate::esc;
use crate::model::{Case, Evidence, Verdict};
use crate::parties;

const LANE: f64 = 170.0;
const GUTTER: f64 = 290.0;
const HEAD: f64 = 58.0;
const FONT: &str = "font-family=\"'Noto Sans CJK JP','IPAGothic','Hiragino Sans',sans-serif\"";

/// The colour of a verdict.
pub fn colour(v: Verdict) -> &'static str {
    match v {
        Verdict::Passed => "#2e7d32",
        Verdict::Failed => "#c62828",
        Verdict::Warning => "#e65100",
        Verdict::Skipped => "#616161",
        Verdict::NotImplemented => "#6a1b9a",
    }
}

/// About how wide `text` is at 12 px: CJK characters are square, Latin ones half that.
fn width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 6.6 } else { 12.0 })
        .sum()
}

/// `text` in lines no wider than `max` pixels (at 12 px), breaking at spaces where it can.
fn wrap(text: &str, max: f64) -> Vec<String> {
    let mut lines = vec![String::new()];
    for c in text.chars() {
        let line = lines.last_mut().map(|l| width(l)).unwrap_or(0.0);
        if line + width(&c.to_string()) > max {
            let current = lines.pop().unwrap_or_default();
            match current.rfind(' ').filter(|at| *at > current.len() / 2) {
                Some(at) => {
                    lines.push(current[..at].to_owned());
                    lines.push(current[at + 1..].to_owned());
                }
                None => {
                    lines.push(current);
                    lines.push(String::new());
                }
            }
        }
        if let Some(l) = lines.last_mut() {
            l.push(c);
        }
    }
    lines
}

/// `text` cut to `max` pixels, with an ellipsis when cut.
fn clip(text: &str, max: f64) -> String {
    if width(text) <= max {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out) + width(&c.to_string()) > max - 12.0 {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// The parties of a case's messages, in order of first appearance.
fn lanes(case: &Case) -> Vec<&str> {
    lanes_of(messages(case))
}

/// The parties of `messages`, in order of first appearance.
fn lanes_of<'a>(messages: impl Iterator<Item = &'a Evidence>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for e in messages {
        for p in [e.from.as_str(), e.to.as_str()] {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

fn messages(case: &Case) -> impl Iterator<Item = &Evidence> {
    case.steps
        .iter()
        .flat_map(|s| &s.evidence)
        .filter(|e| e.is_message())
}

fn text(x: f64, y: f64, anchor: &str, size: u32, fill: &str, body: &str) -> String {
    format!(
        "<text x=\"{x:.0}\" y=\"{y:.0}\" text-anchor=\"{anchor}\" font-size=\"{size}\" fill=\"{fill}\" {FONT}>{}</text>",
        esc(body)
    )
}

/// Lane headers (Japanese name, English under it) and lifelines down to `bottom`.
fn heads(out: &mut String, lanes: &[&str], left: f64, bottom: f64) {
    for (i, role) in lanes.iter().enumerate() {
        let x = left + LANE * (i as f64 + 0.5);
        let (ja, en) = parties::names(role);
        out.push_str(&format!(
            "<rect x=\"{:.0}\" y=\"4\" width=\"{:.0}\" height=\"44\" rx=\"6\" fill=\"#eef3f8\" stroke=\"#90a4ae\"/>",
            x - LANE / 2.0 + 6.0,
            LANE - 12.0
        ));
        out.push_str(&text(
            x,
            22.0,
            "middle",
            12,
            "#102a43",
            &clip(ja, LANE - 16.0),
        ));
        out.push_str(&text(
            x,
            39.0,
            "middle",
            10,
            "#52606d",
            &clip(en, LANE - 16.0),
        ));
        out.push_str(&format!(
            "<line x1=\"{x:.0}\" y1=\"48\" x2=\"{x:.0}\" y2=\"{bottom:.0}\" stroke=\"#b0bec5\" stroke-dasharray=\"4 4\"/>"
        ));
    }
}

fn svg(width: f64, height: f64, label: &str, body: &str) -> String {
    format!(
        "<svg class=\"diagram\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{}\" width=\"{width:.0}\" height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\">{body}</svg>",
        esc(label)
    )
}

/// The organisations' view: one row per step, its name (Japanese, English under it) on
/// the left and a bar across the parties its messages involved, in its verdict's colour.
/// `None` when the case exchanged no message between two parties.
pub fn business(case: &Case) -> Option<String> {
    let lanes = lanes(case);
    if lanes.len() < 2 {
        return None;
    }
    let lane_of = |p: &str| lanes.iter().position(|q| *q == p);
    let mut rows = String::new();
    let mut y = HEAD + 8.0;
    for (n, step) in case.steps.iter().enumerate() {
        let ja = step.name_ja.as_deref().unwrap_or(&step.name);
        let mut label = wrap(&format!("{}. {ja}", n + 1), GUTTER - 24.0);
        label.truncate(2);
        let en = clip(&step.name, GUTTER - 24.0);
        let height = 16.0 * label.len() as f64 + 20.0;
        for (i, line) in label.iter().enumerate() {
            rows.push_str(&text(
                8.0,
                y + 15.0 + 16.0 * i as f64,
                "start",
                12,
                "#102a43",
                line,
            ));
        }
        rows.push_str(&text(8.0, y + height - 6.0, "start", 10, "#52606d", &en));
        let touched: Vec<usize> = step
            .evidence
            .iter()
            .filter(|e| e.is_message())
            .flat_map(|e| [lane_of(&e.from), lane_of(&e.to)])
            .flatten()
            .collect();
        if let (Some(lo), Some(hi)) = (touched.iter().min(), touched.iter().max()) {
            let x0 = GUTTER + LANE * (*lo as f64 + 0.5) - 10.0;
            let x1 = GUTTER + LANE * (*hi as f64 + 0.5) + 10.0;
            let c = colour(step.verdict);
            rows.push_str(&format!(
                "<rect x=\"{x0:.0}\" y=\"{:.0}\" width=\"{:.0}\" height=\"{:.0}\" rx=\"8\" fill=\"{c}\" fill-opacity=\"0.16\" stroke=\"{c}\"/>",
                y + 4.0,
                x1 - x0,
                height - 8.0
            ));
            for lane in &touched {
                let x = GUTTER + LANE * (*lane as f64 + 0.5);
                rows.push_str(&format!(
                    "<circle cx=\"{x:.0}\" cy=\"{:.0}\" r=\"5\" fill=\"{c}\"/>",
                    y + height / 2.0
                ));
            }
            rows.push_str(&text(
                x1 - 6.0,
                y + 16.0,
                "end",
                11,
                c,
                step.verdict.label_ja(),
            ));
        }
        y += height + 6.0;
    }
    let width = GUTTER + LANE * lanes.len() as f64 + 8.0;
    let mut body = String::new();
    heads(&mut body, &lanes, GUTTER, y);
    body.push_str(&rows);
    Some(svg(
        width,
        y + 6.0,
        &format!("{} (organisations)", case.id),
        &body,
    ))
}

/// The HTTP trace: every message as an arrow between its parties, labelled with what it
/// was, and each step's verdict as a note after its messages. `None` when the case
/// exchanged no message between two parties.
pub fn trace(case: &Case) -> Option<String> {
    let lanes = lanes(case);
    if lanes.len() < 2 {
        return None;
    }
    let x_of = |p: &str| {
        let i = lanes.iter().position(|q| *q == p).unwrap_or(0);
        8.0 + LANE * (i as f64 + 0.5)
    };
    let right = 8.0 + LANE * lanes.len() as f64;
    let mut rows = String::new();
    let mut y = HEAD + 10.0;
    for step in &case.steps {
        for e in step.evidence.iter().filter(|e| e.is_message()) {
            y += 30.0;
            arrow(&mut rows, e, (x_of(&e.from), x_of(&e.to)), y);
        }
        y += 12.0;
        let c = colour(step.verdict);
        let note = format!(
            "{}: {}",
            step.verdict.label_ja(),
            step.name_ja.as_deref().unwrap_or(&step.name)
        );
        rows.push_str(&format!(
            "<rect x=\"12\" y=\"{y:.0}\" width=\"{:.0}\" height=\"22\" rx=\"4\" fill=\"{c}\" fill-opacity=\"0.12\" stroke=\"{c}\"/>",
            right - 20.0
        ));
        rows.push_str(&text(
            20.0,
            y + 15.0,
            "start",
            11,
            c,
            &clip(&note, right - 40.0),
        ));
        y += 26.0;
    }
    let mut body = String::from(ARROW_DEFS);
    heads(&mut body, &lanes, 8.0, y);
    body.push_str(&rows);
    Some(svg(
        right + 8.0,
        y + 8.0,
        &format!("{} (HTTP trace)", case.id),
        &body,
    ))
}

const ARROW_DEFS: &str = "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"#37474f\"/></marker></defs>";

/// One message as an arrow from `x0` to `x1` at height `y` (a loop when both are one
/// party), its title above it; red when it was answered with an error.
fn arrow(rows: &mut String, e: &Evidence, (x0, x1): (f64, f64), y: f64) {
    let failed = e.title.contains("→ 4") || e.title.contains("→ 5");
    let stroke = if failed { "#c62828" } else { "#37474f" };
    if (x0 - x1).abs() < 1.0 {
        rows.push_str(&format!(
            "<path d=\"M{x0:.0} {:.0} h30 v12 h-30\" fill=\"none\" stroke=\"{stroke}\" marker-end=\"url(#arrow)\"/>",
            y - 6.0
        ));
    } else {
        rows.push_str(&format!(
            "<line x1=\"{x0:.0}\" y1=\"{y:.0}\" x2=\"{x1:.0}\" y2=\"{y:.0}\" stroke=\"{stroke}\" marker-end=\"url(#arrow)\"/>"
        ));
    }
    let mid = (x0 + x1) / 2.0;
    let room = (x1 - x0).abs().max(LANE) + 60.0;
    rows.push_str(&text(
        mid,
        y - 6.0,
        "middle",
        11,
        stroke,
        &clip(&e.title, room),
    ));
}

/// Messages alone, e.g. as observed live at the parties: an arrow each between their
/// parties, in order. `None` when fewer than two parties exchanged anything.
pub fn flow(evidence: &[Evidence], label: &str) -> Option<String> {
    let lanes = lanes_of(evidence.iter().filter(|e| e.is_message()));
    if lanes.len() < 2 {
        return None;
    }
    let x_of = |p: &str| {
        let i = lanes.iter().position(|q| *q == p).unwrap_or(0);
        8.0 + LANE * (i as f64 + 0.5)
    };
    let mut rows = String::new();
    let mut y = HEAD + 10.0;
    for e in evidence.iter().filter(|e| e.is_message()) {
        y += 30.0;
        arrow(&mut rows, e, (x_of(&e.from), x_of(&e.to)), y);
    }
    y += 16.0;
    let mut body = String::from(ARROW_DEFS);
    heads(&mut body, &lanes, 8.0, y);
    body.push_str(&rows);
    Some(svg(
        8.0 + LANE * lanes.len() as f64 + 8.0,
        y + 8.0,
        label,
        &body,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_and_clipping_keep_within_the_width() {
        for line in wrap(
            "電子申請システムにカードでログインする、そして銀行で手数料を支払う",
            120.0,
        ) {
            assert!(width(&line) <= 120.0, "{line}");
        }
        let words = wrap("log in at the e-application system with the card", 120.0);
        assert!(
            words.len() > 1 && words.iter().all(|l| width(l) <= 120.0),
            "{words:?}"
        );
        assert!(clip("a long title that goes on and on", 60.0).ends_with('…'));
        assert_eq!(clip("short", 60.0), "short");
    }

    #[test]
    fn markup_in_names_and_titles_is_escaped() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
