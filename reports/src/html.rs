//! `report.html`: the report as people read it, one self-contained file (styles, diagrams
//! and the one small script inside; nothing fetched), Japanese first with English beside
//! it, readable printed on A4. The verdict in a sentence, the counts with a legend, each
//! requirement with its text, what to fix, then each suite and case: the flow between
//! organisations drawn, the result and the reason, and the HTTP trace and every message
//! one click away.

use crate::esc;
use crate::model::{Case, Report, Step, Verdict};
use crate::svg;

/// Evidence content longer than this is cut in the page (report.json has it whole).
const MAX_CONTENT: usize = 16 * 1024;

const STYLE: &str = r#"
:root { --ink:#102a43; --muted:#52606d; --line:#d9e2ec; }
body { font-family:'Noto Sans CJK JP','IPAGothic','Hiragino Sans',sans-serif; color:var(--ink); margin:0 auto; max-width:1180px; padding:16px 24px; line-height:1.55; }
h1 { font-size:1.5em; margin-bottom:0.2em; } h2 { border-bottom:2px solid var(--line); padding-bottom:4px; margin-top:2em; }
h3 { margin-bottom:0.3em; } .en { color:var(--muted); font-size:0.92em; } .small { font-size:0.85em; }
table { border-collapse:collapse; width:100%; margin:0.5em 0 1em; font-size:0.92em; }
th, td { border:1px solid var(--line); padding:4px 8px; text-align:left; vertical-align:top; }
th { background:#f0f4f8; white-space:nowrap; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; color:#fff; font-size:0.85em; white-space:nowrap; }
.sentence { font-size:1.2em; font-weight:bold; padding:10px 14px; border-radius:8px; background:#f0f4f8; }
.counts span { margin-right:1.2em; }
section.case { border:1px solid var(--line); border-radius:8px; padding:4px 16px 12px; margin:14px 0; page-break-inside:avoid; }
.figure { overflow-x:auto; margin:8px 0; }
details { margin:6px 0; } summary { cursor:pointer; color:#1f4e79; }
pre { background:#f7f9fb; border:1px solid var(--line); padding:8px; white-space:pre-wrap; word-break:break-all; font-size:0.82em; }
ol.steps li { margin-bottom:4px; }
.fix dt { font-weight:bold; margin-top:10px; } .fix dd { margin-left:1.2em; }
@page { size:A4; margin:14mm; }
@media print { body { max-width:none; padding:0; } .figure { overflow:visible; } svg.diagram { max-width:100%; height:auto; } nav { display:none; } }
"#;

/// Opens every folded part before printing, and records whether every diagram was drawn
/// (a test reads `data-diagrams` of the body from the rendered page).
const SCRIPT: &str = r#"
window.addEventListener('beforeprint', () => document.querySelectorAll('details').forEach(d => d.open = true));
window.addEventListener('load', () => {
  const all = [...document.querySelectorAll('svg.diagram')];
  const drawn = all.filter(s => { const b = s.getBBox(); return b.width > 0 && b.height > 0; });
  document.body.dataset.diagrams = drawn.length + '/' + all.length;
});
"#;

/// The verdict as a coloured label (no emoji: a browser without an emoji font shows boxes).
fn badge(v: Verdict) -> String {
    format!(
        "<span class=\"badge\" style=\"background:{}\">{} / {}</span>",
        svg::colour(v),
        v.label_ja(),
        v.label()
    )
}

/// The verdict as a coloured dot.
fn dot(v: Verdict) -> String {
    format!(
        "<span style=\"color:{}\" title=\"{}\">●</span>",
        svg::colour(v),
        v.label()
    )
}

/// Japanese first, English beside it (or English alone when there is no Japanese).
fn both(ja: Option<&str>, en: &str) -> String {
    match ja {
        Some(ja) if ja != en => format!("{} <span class=\"en\">/ {}</span>", esc(ja), esc(en)),
        _ => esc(en),
    }
}

/// The run's verdict in one sentence, Japanese then English.
fn sentence(report: &Report) -> String {
    let n = |v: Verdict| report.cases().filter(|c| c.verdict == v).count();
    let (failed, missing, warned) = (
        n(Verdict::Failed),
        n(Verdict::NotImplemented),
        n(Verdict::Warning),
    );
    let total = report.cases().count();
    if failed + missing > 0 {
        format!("{total} 件中 {failed} 件が不合格、{missing} 件が未実装です。 / {failed} of {total} cases FAILED, {missing} not implemented.")
    } else if warned > 0 {
        let s = if warned == 1 { "" } else { "s" };
        format!("不合格はありません（{total} 件中、警告 {warned} 件）。 / Nothing FAILED ({warned} warning{s} in {total} cases).")
    } else {
        format!(
            "{total} 件すべて合格または対象外です。 / All {total} cases passed or did not apply."
        )
    }
}

/// Renders the report as one self-contained HTML page.
pub fn render(report: &Report) -> String {
    render_compared(report, None)
}

/// As [`render`], with a section on what changed since a baseline run.
pub fn render_compared(report: &Report, baseline: Option<&crate::diff::Diff>) -> String {
    let report = &crate::stable::apply(report);
    let mut h = String::with_capacity(256 * 1024);
    h.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{}</title><style>{STYLE}</style><script>{SCRIPT}</script></head><body>\n",
        esc(&report.title)
    ));
    h.push_str(&format!(
        "<h1>{}</h1><p class=\"small\">生成日時 / Generated: {}</p>\n",
        esc(&report.title),
        esc(&crate::time_jst(&report.generated_at))
    ));
    h.push_str(&format!(
        "<p class=\"sentence\">{}</p>\n",
        esc(&sentence(report))
    ));
    counts(&mut h, report);
    contents(&mut h, report);
    if let Some(diff) = baseline {
        compared(&mut h, diff);
    }
    requirements(&mut h, report);
    what_to_fix(&mut h, report);
    for suite in &report.suites {
        h.push_str(&format!(
            "<h2 id=\"suite-{}\">{}</h2>\n<table><tr><th>判定 / verdict</th><th>ケース / case</th><th>理由 / why</th></tr>\n",
            esc(&suite.name),
            esc(&suite.name)
        ));
        for case in &suite.cases {
            h.push_str(&format!(
                "<tr><td>{}</td><td><a href=\"#case-{}\">{}</a><br><span class=\"small\">{}</span></td><td>{}</td></tr>\n",
                badge(case.verdict),
                esc(&case.id),
                both(case.title_ja.as_deref(), &case.title),
                esc(&case.id),
                esc(case.reason.as_deref().unwrap_or(""))
            ));
        }
        h.push_str("</table>\n");
        for case in &suite.cases {
            case_section(&mut h, case);
        }
    }
    h.push_str("</body></html>\n");
    h
}

fn counts(h: &mut String, report: &Report) {
    h.push_str("<p class=\"counts\">");
    for (v, n) in report.counts() {
        h.push_str(&format!("<span>{} {n}</span>", badge(v)));
    }
    h.push_str("</p>\n<p class=\"small\">凡例 / legend: ");
    let legend = [
        (Verdict::Passed, "求められたとおり", "as required"),
        (
            Verdict::Failed,
            "要件を満たさない",
            "does not meet the requirement",
        ),
        (
            Verdict::Warning,
            "許容されるが推奨されない",
            "allowed but discouraged",
        ),
        (
            Verdict::Skipped,
            "対象外、または判定できない（理由を記載）",
            "does not apply, or could not be judged (reason given)",
        ),
        (
            Verdict::NotImplemented,
            "検査が未実装",
            "check not built yet",
        ),
    ];
    for (v, ja, en) in legend {
        h.push_str(&format!(
            "{} {} {ja} <span class=\"en\">/ {en}</span>　",
            dot(v),
            v.label_ja()
        ));
    }
    h.push_str("</p>\n");
}

fn contents(h: &mut String, report: &Report) {
    h.push_str("<nav><p>目次 / contents: <a href=\"#requirements\">要件 / requirements</a>");
    if report.cases().any(|c| c.advice.is_some()) {
        h.push_str(" · <a href=\"#fix\">修正すべき点 / what to fix</a>");
    }
    for s in &report.suites {
        h.push_str(&format!(" · <a href=\"#suite-{0}\">{0}</a>", esc(&s.name)));
    }
    h.push_str("</p></nav>\n");
}

fn compared(h: &mut String, diff: &crate::diff::Diff) {
    h.push_str("<h2 id=\"baseline\">前回との比較 <span class=\"en\">/ compared with the baseline</span></h2>\n");
    if diff.is_empty() {
        h.push_str("<p>変化なし：すべてのケースが前回と同じ判定です。 <span class=\"en\">/ No change: every case has the verdict it had.</span></p>\n");
        return;
    }
    let worse = diff.regressions();
    h.push_str(&format!(
        "<p>悪化 {} 件 <span class=\"en\">/ {} got worse</span></p>\n<table><tr><th>ケース / case</th><th>前回 / before</th><th>今回 / now</th></tr>\n",
        worse.len(),
        worse.len()
    ));
    for (id, old, new) in &diff.changed {
        h.push_str(&format!(
            "<tr><td><a href=\"#case-{0}\">{0}</a></td><td>{1}</td><td>{2}</td></tr>\n",
            esc(id),
            badge(*old),
            badge(*new)
        ));
    }
    for id in &diff.added {
        h.push_str(&format!("<tr><td><a href=\"#case-{0}\">{0}</a></td><td>（なし / absent）</td><td>追加 / added</td></tr>\n", esc(id)));
    }
    for id in &diff.removed {
        h.push_str(&format!(
            "<tr><td>{}</td><td>あり / present</td><td>{}</td></tr>\n",
            esc(id),
            badge(Verdict::Failed).replace("不合格 / FAILED", "削除 / REMOVED")
        ));
    }
    h.push_str("</table>\n");
}

fn requirements(h: &mut String, report: &Report) {
    h.push_str("<h2 id=\"requirements\">要件ごとの結果 <span class=\"en\">/ by requirement</span></h2>\n<table><tr><th>要件 / requirement</th><th>合格</th><th>不合格</th><th>警告</th><th>未実施</th><th>未実装</th><th>合格以外 / not passed</th></tr>\n");
    for (id, n, ids) in report.by_requirement() {
        let text = match report.requirement(&id) {
            Some(t) => format!(
                "<b>{}</b> ({}) {}<br><span class=\"en small\">{}</span>",
                esc(&id),
                esc(&t.level),
                esc(&t.summary_ja),
                code_spans(&esc(&t.text))
            ),
            None => format!("<b>{}</b>", esc(&id)),
        };
        let links: Vec<String> = ids
            .iter()
            .map(|c| format!("<a href=\"#case-{0}\">{0}</a>", esc(c)))
            .collect();
        h.push_str(&format!(
            "<tr><td>{text}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"small\">{}</td></tr>\n",
            n[0], n[1], n[2], n[3], n[4],
            links.join(", ")
        ));
    }
    h.push_str("</table>\n");
}

fn what_to_fix(h: &mut String, report: &Report) {
    let groups = report.advice_groups();
    if groups.is_empty() {
        return;
    }
    h.push_str("<h2 id=\"fix\">修正すべき点 <span class=\"en\">/ what to fix</span></h2>\n<dl class=\"fix\">\n");
    for (a, cases) in groups {
        let listed: Vec<String> = cases
            .iter()
            .map(|c| {
                format!(
                    "{} <a href=\"#case-{1}\">{1}</a>",
                    dot(c.verdict),
                    esc(&c.id)
                )
            })
            .collect();
        h.push_str(&format!("<dt>{}</dt>\n", listed.join(", ")));
        h.push_str(&format!(
            "<dd><b>問題点 / why it matters</b>: {} <span class=\"en\">/ {}</span></dd>\n<dd><b>修正方法 / how to fix</b>: {} <span class=\"en\">/ {}</span></dd>\n",
            esc(&a.why_ja),
            esc(&a.why),
            esc(&a.fix_ja),
            esc(&a.fix)
        ));
        for p in &a.products {
            h.push_str(&format!(
                "<dd class=\"small\"><i>{}</i>: {}</dd>\n",
                esc(&p.product),
                esc(&p.fix)
            ));
        }
    }
    h.push_str("</dl>\n");
}

fn case_section(h: &mut String, case: &Case) {
    h.push_str(&format!(
        "<section class=\"case\" id=\"case-{}\"><h3>{}</h3><p>{} <span class=\"small\">{}</span></p>\n",
        esc(&case.id),
        both(case.title_ja.as_deref(), &case.title),
        badge(case.verdict),
        esc(&case.id)
    ));
    if let Some(reason) = &case.reason {
        h.push_str(&format!("<p><b>理由 / why</b>: {}</p>\n", esc(reason)));
    }
    if let Some(a) = &case.advice {
        h.push_str(&format!(
            "<p><b>修正方法 / how to fix</b>: {} <span class=\"en\">/ {}</span></p>\n",
            esc(&a.fix_ja),
            esc(&a.fix)
        ));
    }
    if let Some(d) = svg::business(case) {
        h.push_str(&format!("<div class=\"figure\">{d}</div>\n"));
    }
    if case.steps.is_empty() {
        h.push_str("</section>\n");
        return;
    }
    h.push_str("<ol class=\"steps\">\n");
    for step in &case.steps {
        step_item(h, step);
    }
    h.push_str("</ol>\n");
    if let Some(d) = svg::trace(case) {
        h.push_str(&format!(
            "<details><summary>HTTP のやりとり / the HTTP trace</summary><div class=\"figure\">{d}</div></details>\n"
        ));
    }
    h.push_str("</section>\n");
}

fn step_item(h: &mut String, step: &Step) {
    let reqs = if step.requirements.is_empty() {
        String::new()
    } else {
        format!(
            " <span class=\"small\">({})</span>",
            esc(&step.requirements.join(", "))
        )
    };
    h.push_str(&format!(
        "<li>{} {}{reqs}<br>{}",
        dot(step.verdict),
        both(step.name_ja.as_deref(), &step.name),
        esc(&step.detail)
    ));
    if !step.evidence.is_empty() {
        h.push_str(&format!(
            "<details><summary>やりとりしたメッセージ {} 件 / {} messages</summary>\n",
            step.evidence.len(),
            step.evidence.len()
        ));
        for e in &step.evidence {
            let who = if e.is_message() {
                format!(
                    "{} → {}: ",
                    crate::parties::names(&e.from).0,
                    crate::parties::names(&e.to).0
                )
            } else {
                String::new()
            };
            h.push_str(&format!(
                "<details><summary>{}{}</summary><pre>{}</pre></details>\n",
                esc(&who),
                esc(&e.title),
                esc(&cut(&e.content))
            ));
        }
        h.push_str("</details>");
    }
    h.push_str("</li>\n");
}

/// Markdown's `code` spans of the profile's text as HTML (the text is escaped already).
fn code_spans(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len());
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{part}</code>"));
        } else {
            out.push_str(part);
        }
    }
    out
}

/// At most [`MAX_CONTENT`] bytes, cut at a character boundary, saying so.
fn cut(text: &str) -> String {
    if text.len() <= MAX_CONTENT {
        return text.to_owned();
    }
    let mut end = MAX_CONTENT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n… ({} bytes more in report.json)",
        &text[..end],
        text.len() - end
    )
}
