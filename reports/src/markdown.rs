//! The Markdown summary a person reads: totals, one table per suite, then each case's
//! steps in plain words (Japanese and English headings).

use crate::model::{Case, Report, Verdict};

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Renders the report as Markdown.
pub fn render(report: &Report) -> String {
    let report = &crate::stable::apply(report);
    let mut md = format!("# {} / 実行結果\n\n", report.title);
    md.push_str(&format!(
        "Generated / 生成日時: {}\n\n",
        crate::time_jst(&report.generated_at)
    ));
    let counts: Vec<String> = report
        .counts()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{} {} / {}: {n}", v.mark(), v.label(), v.label_ja()))
        .collect();
    md.push_str(&format!("{}\n\n", counts.join(" · ")));
    requirement_summary(&mut md, report);
    what_to_fix(&mut md, report);
    for suite in &report.suites {
        md.push_str(&format!("## {}\n\n| | case / ケース | requirements / 要件 | verdict / 判定 | why / 理由 |\n|---|---|---|---|---|\n", suite.name));
        for case in &suite.cases {
            let title = match &case.title_ja {
                Some(ja) => format!("{} / {ja}", case.title),
                None => case.title.clone(),
            };
            md.push_str(&format!(
                "| {} | **{}** {} | {} | {} / {} | {} |\n",
                case.verdict.mark(),
                cell(&case.id),
                cell(&title),
                cell(&case.requirements().join(", ")),
                case.verdict.label(),
                case.verdict.label_ja(),
                cell(case.reason.as_deref().unwrap_or(""))
            ));
        }
        md.push('\n');
        for case in suite.cases.iter().filter(|c| !c.steps.is_empty()) {
            case_section(&mut md, case);
        }
    }
    if report.cases().all(|c| c.verdict == Verdict::Passed) {
        md.push_str("Every case passed. / すべて合格しました。\n");
    }
    md
}

/// One line per requirement of the profile the run checked: its verdict counts and the
/// cases that did not pass.
fn requirement_summary(md: &mut String, report: &Report) {
    let rows = report.by_requirement();
    if rows.is_empty() {
        return;
    }
    md.push_str("## Requirements / 要件ごとの結果\n\n| requirement / 要件 | ✅ | ❌ | ⚠️ | ⏭️ | 🚧 | not passed / 不合格等 |\n|---|---|---|---|---|---|---|\n");
    for (id, n, ids) in rows {
        let r = match report.requirement(&id) {
            Some(t) => format!("{id} ({}) {}", t.level, t.summary_ja),
            None => id,
        };
        let listed: Vec<&str> = ids.iter().map(String::as_str).take(6).collect();
        let more = if ids.len() > 6 {
            format!(" (+{})", ids.len() - 6)
        } else {
            String::new()
        };
        md.push_str(&format!(
            "| {r} | {} | {} | {} | {} | {} | {}{more} |\n",
            n[0],
            n[1],
            n[2],
            n[3],
            n[4],
            cell(&listed.join(", "))
        ));
    }
    md.push('\n');
    if !report.requirements.is_empty() {
        md.push_str("<details><summary>The requirements' text / 要件の本文</summary>\n\n");
        for r in &report.requirements {
            md.push_str(&format!(
                "- **{}** ({}): {} / {}\n",
                r.id, r.level, r.text, r.summary_ja
            ));
        }
        md.push_str("\n</details>\n\n");
    }
}

/// For every FAILED or WARNING case with advice: why it matters and what to change,
/// cases that share one piece of advice listed together.
fn what_to_fix(md: &mut String, report: &Report) {
    let groups = report.advice_groups();
    if groups.is_empty() {
        return;
    }
    md.push_str("## What to fix / 修正すべき点\n\n");
    for (advice, cases) in groups {
        let listed: Vec<String> = cases
            .iter()
            .map(|c| format!("{} `{}`", c.verdict.mark(), c.id))
            .collect();
        md.push_str(&format!("- {}\n", listed.join(", ")));
        md.push_str(&format!(
            "  - **Why it matters / 問題点**: {} / {}\n",
            advice.why, advice.why_ja
        ));
        md.push_str(&format!(
            "  - **How to fix / 修正方法**: {} / {}\n",
            advice.fix, advice.fix_ja
        ));
        for p in &advice.products {
            md.push_str(&format!("  - *{}*: {}\n", p.product, p.fix));
        }
    }
    md.push('\n');
}

fn case_section(md: &mut String, case: &Case) {
    let title = match &case.title_ja {
        Some(ja) => format!("{} / {ja}", case.title),
        None => case.title.clone(),
    };
    md.push_str(&format!("### {} — {title}\n\n", case.id));
    md.push_str(&format!(
        "{} **{} / {}**{}\n\n",
        case.verdict.mark(),
        case.verdict.label(),
        case.verdict.label_ja(),
        case.reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default()
    ));
    if let Some(flow) = sequence_diagram(case) {
        md.push_str(&flow);
    }
    for (i, step) in case.steps.iter().enumerate() {
        let reqs = if step.requirements.is_empty() {
            String::new()
        } else {
            format!(" ({})", step.requirements.join(", "))
        };
        let name = match &step.name_ja {
            Some(ja) => format!("{} / {ja}", step.name),
            None => step.name.clone(),
        };
        md.push_str(&format!(
            "{}. {} {}{}: {}\n",
            i + 1,
            step.verdict.mark(),
            name,
            reqs,
            step.detail
        ));
        // What went over the wire, for a step that did not pass (everything is in the JSON).
        if step.verdict.fails_run() {
            for e in &step.evidence {
                md.push_str(&format!(
                    "   <details><summary>{}</summary>\n\n   ```\n{}\n   ```\n   </details>\n",
                    cell(&e.title),
                    fenced(&e.content)
                ));
            }
        }
    }
    md.push('\n');
}

/// Evidence inside a code fence of a list item: at most 2 KiB, indented, no fence of its own.
fn fenced(text: &str) -> String {
    let mut end = text.len().min(2048);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let more = if end < text.len() { "\n…" } else { "" };
    format!("{}{more}", &text[..end])
        .replace("```", "` ` `")
        .lines()
        .map(|l| format!("   {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Text mermaid shows as it is: no statement separators, comments or entity codes.
fn label(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ';' | '#' | '%' | '{' | '}' | '<' | '>' | '"' | '`' | '\n' => ' ',
            c => c,
        })
        .collect()
}

/// The case's messages as a mermaid sequence diagram, each step's verdict as a note
/// after its messages; `None` when nothing was exchanged.
fn sequence_diagram(case: &Case) -> Option<String> {
    let mut parties: Vec<&str> = Vec::new();
    for e in case
        .steps
        .iter()
        .flat_map(|s| &s.evidence)
        .filter(|e| e.is_message())
    {
        for p in [e.from.as_str(), e.to.as_str()] {
            if !parties.contains(&p) {
                parties.push(p);
            }
        }
    }
    if parties.len() < 2 {
        return None;
    }
    let id = |p: &str| parties.iter().position(|q| *q == p).unwrap_or(0);
    let mut out = String::from("```mermaid\nsequenceDiagram\n");
    for (i, p) in parties.iter().enumerate() {
        out.push_str(&format!("    participant p{i} as {}\n", label(p)));
    }
    let span = format!("p0,p{}", parties.len() - 1);
    for step in &case.steps {
        for e in step.evidence.iter().filter(|e| e.is_message()) {
            out.push_str(&format!(
                "    p{}->>p{}: {}\n",
                id(&e.from),
                id(&e.to),
                label(&e.title)
            ));
        }
        out.push_str(&format!(
            "    Note over {span}: {} {}\n",
            step.verdict.mark(),
            label(&step.name)
        ));
    }
    out.push_str("```\n\n");
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Case, Evidence, Step};

    fn sample() -> Report {
        let mut r = Report::new("sample run", "[instant]");
        let suite = r.suite("cards");
        let mut ok = Case::new("valid", "a valid card logs in").verdict(Verdict::Passed);
        ok.title_ja = Some("有効なカードでログインできる".into());
        ok.steps.push(Step {
            name: "card signs the challenge".into(),
            name_ja: Some("カードがチャレンジに署名する".into()),
            requirements: vec!["TF-BIND-004".into()],
            verdict: Verdict::Passed,
            detail: "the signature verifies".into(),
            evidence: vec![
                Evidence {
                    title: "POST /card-login/challenge → 200".into(),
                    content: "mnctf-card-login/1".into(),
                    from: "browser".into(),
                    to: "platform".into(),
                    duration_ms: 2,
                },
                Evidence::note("card", "signed"),
            ],
            duration_ms: 3,
        });
        suite.cases.push(ok);
        let mut bad = Case::new("revoked", "a revoked card is refused").verdict(Verdict::Failed);
        bad.reason = Some("accepted | although revoked".into());
        bad.advice = Some(crate::model::Advice {
            why: "a revoked card logs in".into(),
            why_ja: "失効したカードでログインできる".into(),
            fix: "check OCSP at every login".into(),
            fix_ja: "ログインごとに OCSP を確認する".into(),
            products: vec![crate::model::ProductFix {
                product: "our IdP".into(),
                fix: "[revocation] ocsp = true".into(),
            }],
        });
        let mut refused = Step::new("the platform refuses the card", &["TF-PKI-005"]);
        refused.verdict = Verdict::Failed;
        refused.detail = "the card was accepted".into();
        refused.evidence.push(Evidence {
            title: "POST /card-login/answer → 200".into(),
            content: "{\"continue\": \"/sso/continue\"}".into(),
            from: "browser".into(),
            to: "platform".into(),
            duration_ms: 4,
        });
        bad.steps.push(refused);
        suite.cases.push(bad);
        suite.cases.push(Case::new("tls", "TLS binding"));
        r.requirements.push(crate::model::RequirementText {
            id: "TF-PKI-005".into(),
            level: "MUST".into(),
            text: "Revocation is checked at every card login.".into(),
            summary_ja: "ログインごとにノンス付き OCSP".into(),
        });
        r
    }

    #[test]
    fn markdown_snapshot() {
        insta::assert_snapshot!(render(&sample()));
    }

    #[test]
    fn html_snapshot_draws_every_flow() {
        let html = crate::html::render(&sample());
        assert_eq!(
            html.matches("<svg class=\"diagram\"").count(),
            4,
            "two cases with messages, two diagrams each"
        );
        assert!(
            html.contains("失効したカードでログインできる"),
            "advice shown"
        );
        for fetches in [" src=", "<link", "@import", "url(http"] {
            assert!(
                !html.contains(fetches),
                "the page fetches nothing: {fetches}"
            );
        }
        insta::assert_snapshot!(html);
    }

    #[test]
    fn junit_snapshot_and_counts() {
        let xml = crate::junit::render(&sample());
        assert!(
            xml.contains("failures=\"2\""),
            "FAILED and NOT IMPLEMENTED both fail the run"
        );
        insta::assert_snapshot!(xml);
    }

    #[test]
    fn json_round_trips() {
        let r = sample();
        let back: Report = serde_json::from_str(&crate::json(&r)).unwrap();
        assert_eq!(back, r);
        assert!(r.failed());
    }
}
