//! The lab (`lab/README.md`): real releases of SP libraries with a published advisory,
//! each beside its first fixed release, run through the SP plan. A pair is told apart
//! when the vulnerable release FAILs a test of the advisory's class and the fixed release
//! FAILs none of them (verdicts.md §5). `mnctf lab` runs the pairs and writes the table.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use conformance::{SuiteIdp, SutConfig};
use reports::{Report, Verdict};
use serde::Deserialize;

use crate::peers::{free_port, sp_credential_pem, Peer};

/// The suite IdP's base URL in the lab (nothing listens there: the browser stops before).
const SUITE_URL: &str = "http://127.0.0.1:18500";

/// The repository's `lab` folder.
pub fn lab_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("lab")
}

/// A pair, as `lab/pairs/<id>/pair.toml` describes it (other fields are for people).
#[derive(Clone, Debug, Deserialize)]
pub struct Pair {
    /// Its id (the folder's name).
    pub id: String,
    /// The advisory's ids.
    pub advisory: String,
    /// The library.
    pub library: String,
    /// The vulnerable release (a folder of `lab/releases`).
    pub vulnerable: String,
    /// The first fixed release.
    pub fixed: String,
    /// The attack class, in a line.
    pub class: String,
    /// The plan's tests of that class: ids, or prefixes ending in `*`.
    #[serde(default)]
    pub tests: Vec<String>,
    /// Whether the pair was confirmed with the advisory's own recipe (its `confirm`).
    #[serde(default)]
    pub confirmed: bool,
    /// Why not, when not.
    #[serde(default)]
    pub why: Option<String>,
    /// Held out: added after the plan was written, never tuned against (verdicts.md §5).
    #[serde(default)]
    pub held_out: bool,
}

impl Pair {
    /// Whether `test` is of the pair's class.
    pub fn covers(&self, test: &str) -> bool {
        self.tests.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => test.starts_with(prefix),
            None => test == p,
        })
    }

    /// The `only` list that runs the class's tests (their twins run with them).
    pub fn only(&self) -> Vec<String> {
        self.tests
            .iter()
            .map(|p| p.trim_end_matches('*').to_owned())
            .collect()
    }
}

/// Every pair of the lab, in id order.
pub fn pairs() -> anyhow::Result<Vec<Pair>> {
    let mut out = Vec::new();
    let dir = lab_dir().join("pairs");
    for entry in std::fs::read_dir(&dir).with_context(|| dir.display().to_string())? {
        let path = entry?.path().join("pair.toml");
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let pair: Pair =
            toml::from_str(&text).with_context(|| format!("reading {}", path.display()))?;
        out.push(pair);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// Starts the lab SP `release` in `dir`, trusting the suite's IdP `idp`.
pub async fn start_release(release: &str, idp: &SuiteIdp, dir: &Path) -> anyhow::Result<Peer> {
    let pki = mock_ca::Pki::build(
        mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
        mock_ca::Clock::system(),
    )?;
    let (key, cert) = sp_credential_pem(&pki)?;
    let dir = dir.join(release);
    std::fs::create_dir_all(&dir)?;
    let (md, key_file, cert_file) = (
        dir.join("idp-metadata.xml"),
        dir.join("sp.key"),
        dir.join("sp.crt"),
    );
    std::fs::write(&md, idp.metadata())?;
    std::fs::write(&key_file, key)?;
    std::fs::write(&cert_file, cert)?;
    let port = free_port()?;
    let args = [
        release.to_owned(),
        port.to_string(),
        md.display().to_string(),
        key_file.display().to_string(),
        cert_file.display().to_string(),
        trust_framework::saml::constants::AC_JPKI_USER_AUTH.to_owned(),
    ];
    let launcher = lab_dir().join("start-sp").display().to_string();
    let mut peer = Peer::spawn(release, port, &dir, &launcher, &args)?;
    peer.wait_ready("/metadata", Duration::from_secs(60))
        .await?;
    Ok(peer)
}

/// The plan (or the tests of `only`) against a running lab SP.
pub async fn run_plan(
    release: &str,
    idp: &SuiteIdp,
    peer: &Peer,
    only: Vec<String>,
) -> anyhow::Result<Report> {
    let config = SutConfig {
        name: release.into(),
        metadata: format!("{}/metadata", peer.base_url),
        login_url: format!("{}/login", peer.base_url),
        protected_url: format!("{}/protected", peer.base_url),
        logged_in: "AUTHENTICATED".into(),
        identity_prefix: "NameID: ".into(),
        authn_class: trust_framework::saml::constants::AC_JPKI_USER_AUTH.into(),
        expected: None,
        timeout_ms: 10_000,
        only,
        network: Default::default(),
    };
    Ok(conformance::run(&config, idp, |_| {}).await?)
}

/// What the plan made of one pair.
#[derive(Clone, Debug)]
pub struct Scored {
    /// The pair.
    pub pair: Pair,
    /// Tests of the class FAILED on the vulnerable release.
    pub vulnerable_failed: Vec<String>,
    /// Tests of the class FAILED on the fixed release.
    pub fixed_failed: Vec<String>,
    /// Tests of the class not run (SKIPPED) on either, with the reason, for the reader.
    pub inconclusive: Vec<String>,
    /// Whether each release passed the checks before the run (a release the suite cannot
    /// log in to says nothing).
    pub preflight: (bool, bool),
}

impl Scored {
    /// Told apart: the vulnerable release FAILED in the class, the fixed one did not.
    pub fn told_apart(&self) -> bool {
        self.preflight == (true, true)
            && !self.vulnerable_failed.is_empty()
            && self.fixed_failed.is_empty()
    }
}

fn failed_in_class(pair: &Pair, report: &Report) -> Vec<String> {
    report
        .cases()
        .filter(|c| pair.covers(&c.id) && c.verdict == Verdict::Failed)
        .map(|c| c.id.clone())
        .collect()
}

fn preflight_passed(report: &Report) -> bool {
    report
        .cases()
        .any(|c| c.id == "preflight" && c.verdict == Verdict::Passed)
}

/// Scores a pair from its two reports.
pub fn score(pair: &Pair, vulnerable: &Report, fixed: &Report) -> Scored {
    let inconclusive = [("vulnerable", vulnerable), ("fixed", fixed)]
        .iter()
        .flat_map(|(which, r)| {
            r.cases()
                .filter(|c| pair.covers(&c.id) && c.verdict == Verdict::Skipped)
                .map(move |c| format!("{} on the {which} release", c.id))
        })
        .collect();
    Scored {
        pair: pair.clone(),
        vulnerable_failed: failed_in_class(pair, vulnerable),
        fixed_failed: failed_in_class(pair, fixed),
        inconclusive,
        preflight: (preflight_passed(vulnerable), preflight_passed(fixed)),
    }
}

/// Runs both releases of `pair` (the class's tests only, unless `full`) and scores them;
/// the reports go to `out/<release>/`.
pub async fn run_pair(pair: &Pair, full: bool, out: &Path) -> anyhow::Result<Scored> {
    let idp = SuiteIdp::new(SUITE_URL)?;
    let only = if full { Vec::new() } else { pair.only() };
    let mut reports = Vec::new();
    for release in [&pair.vulnerable, &pair.fixed] {
        let peer = start_release(release, &idp, &out.join("run")).await?;
        let report = run_plan(release, &idp, &peer, only.clone()).await?;
        let dir = out.join(release);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("report.json"), reports::json(&report))?;
        std::fs::write(dir.join("report.md"), reports::markdown::render(&report))?;
        std::fs::write(dir.join("peer.log"), peer.log())?;
        reports.push(report);
    }
    Ok(score(pair, &reports[0], &reports[1]))
}

/// The table of `docs/conformance/lab.md`.
pub fn table(scored: &[Scored], unconfirmed: &[Pair]) -> String {
    let mut out = String::from(
        "| pair | advisory | vulnerable → fixed | class | FAILED on the vulnerable release | FAILED in the class on the fixed release | told apart |\n|---|---|---|---|---|---|---|\n",
    );
    for s in scored {
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        out.push_str(&format!(
            "| {}{} | {} | {} → {} | {} | {} | {} | {} |\n",
            s.pair.id,
            if s.pair.held_out { " (held out)" } else { "" },
            s.pair.advisory,
            s.pair.vulnerable,
            s.pair.fixed,
            s.pair.class,
            list(&s.vulnerable_failed),
            list(&s.fixed_failed),
            match (s.told_apart(), s.preflight) {
                (true, _) => "**yes**".to_owned(),
                (false, (true, true)) => "**no**".to_owned(),
                (false, p) => format!("no (preflight: vulnerable {}, fixed {})", p.0, p.1),
            }
        ));
    }
    for p in unconfirmed {
        out.push_str(&format!(
            "| {}{} | {} | {} → {} | {} | not scored | | {} |\n",
            p.id,
            if p.held_out { " (held out)" } else { "" },
            p.advisory,
            p.vulnerable,
            p.fixed,
            p.class,
            one_line(p.why.as_deref().unwrap_or("no reason given"))
        ));
    }
    out
}

/// `text` on one line (a Markdown table cell).
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `doc` with the text between its `<!-- begin: lab table -->` and `<!-- end: lab table -->`
/// markers replaced by `table`.
pub fn with_table(doc: &str, table: &str) -> anyhow::Result<String> {
    const BEGIN: &str = "<!-- begin: lab table -->";
    const END: &str = "<!-- end: lab table -->";
    let (Some(b), Some(e)) = (doc.find(BEGIN), doc.find(END)) else {
        anyhow::bail!("the document has no {BEGIN} … {END} markers");
    };
    anyhow::ensure!(b < e, "the lab table markers are out of order");
    Ok(format!("{}{BEGIN}\n{table}{}", &doc[..b], &doc[e..]))
}
