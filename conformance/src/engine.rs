//! The run: checks before the run (metadata, the login sends an AuthnRequest to the
//! suite, the protected page refuses without a session, the golden Response is accepted),
//! the AuthnRequest checks, then every crafted-Response test, each with a fresh browser:
//! trigger a real login, capture the AuthnRequest, answer it, ask the protected page.
//! Verdicts come from whether a session exists for the test's identity, never from the
//! ACS's status code.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use reports::{Case, Evidence, Report, Step, Verdict};
use trust_framework::saml::authn_request;
use trust_framework::saml::bindings::{self, Kind};
use trust_framework::saml::constants::BINDING_REDIRECT;
use trust_framework::saml::metadata::{parse_sps, SpMetadata};
use user_agent::{Browser, Navigation, Page, Parties};

use crate::config::{SuiteIdp, SutConfig};
use crate::listener::Listener;
use crate::message::Golden;
use crate::plan::logout::{LogoutCtx, LogoutJudge, LogoutTest, LOGOUT_TESTS};
use crate::plan::request::{self, Captured, Facts, Outcome};
use crate::plan::{
    self, Crafted, Ctx, Judge, Needs, Test, Twin, ENC_PROBE, ENC_PROFILE, TWIN_RESPONSE,
};
use crate::xmlenc::EncSpec;
use crate::ConfigError;

/// The SP as the suite sees it during a run.
struct Sut<'a> {
    config: &'a SutConfig,
    idp: &'a SuiteIdp,
    sp: SpMetadata,
    listener: Listener,
    parties: Arc<Parties>,
    network: user_agent::Network,
}

/// The browser's policy: the vendor's, plus the suite's own parties (its listener and
/// IdP, which the browser may be sent to by the SP under test).
fn network_for(
    config: &SutConfig,
    own: &[&str],
) -> Result<user_agent::Network, crate::ConfigError> {
    let mut n = config.network.policy()?;
    if !n.allow.is_empty() {
        for url in own {
            if let Ok(u) = url::Url::parse(url) {
                let host = u.host_str().unwrap_or_default();
                let port = u.port_or_known_default().unwrap_or_default();
                n.allow.push(format!("{host}:{port}"));
            }
        }
    }
    Ok(n)
}

/// A session the protected page shows.
#[derive(Debug)]
struct Session {
    identity: Option<String>,
}

fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

fn step(
    name: &str,
    requirements: &[&str],
    verdict: Verdict,
    detail: String,
    evidence: Vec<Evidence>,
    since: Instant,
) -> Step {
    let mut s = Step::new(name, requirements);
    s.verdict = verdict;
    s.detail = detail;
    s.evidence = evidence;
    s.duration_ms = ms(since);
    s
}

/// How long the suite waits for a party's metadata URL to accept connections.
const WAIT_TO_LISTEN: Duration = Duration::from_secs(10);

/// Reads the party's metadata: a file, or a URL (time and size limits, the network policy).
pub(crate) async fn load_metadata(source: &str, b: &Browser) -> Result<String, String> {
    if source.starts_with("http") {
        // A party started just before the suite (a CI job, the README's example) gets a
        // moment to start listening; any answer, or any other failure, ends the wait.
        let deadline = Instant::now() + WAIT_TO_LISTEN;
        let page = loop {
            match b.get(source).await {
                Err(e) if e.is_connect() && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                other => break other,
            }
        };
        let page = page.map_err(|e| e.to_string())?;
        if page.status != 200 {
            return Err(format!("HTTP {} from {source}", page.status));
        }
        Ok(page.body)
    } else {
        std::fs::read_to_string(source).map_err(|e| e.to_string())
    }
}

impl Sut<'_> {
    fn browser(&self) -> Browser {
        Browser::with_network(
            "suite browser",
            Arc::clone(&self.parties),
            Duration::from_millis(self.config.timeout_ms),
            self.network.clone(),
        )
    }

    /// Triggers a login and captures the AuthnRequest it sends to the suite.
    async fn capture(&self, b: &Browser) -> Result<Captured, String> {
        let nav = b
            .get_until(&self.config.login_url, &self.idp.sso_url)
            .await
            .map_err(|e| format!("the login URL: {e}"))?;
        let (url, form) = match nav {
            Navigation::Stopped { url, form } => (url, form),
            Navigation::Page(p) => {
                return Err(format!(
                    "the login URL did not send the browser to the suite's SSO URL {} (it ended at {} with HTTP {}): is the suite's metadata installed in the SP?",
                    self.idp.sso_url, p.url, p.status
                ))
            }
        };
        let (xml, relay_state, redirect_signature, binding) = match form {
            None => {
                let m = bindings::decode_redirect(url.query().unwrap_or_default())
                    .map_err(|e| format!("the AuthnRequest: {e}"))?;
                if m.kind != Kind::Request {
                    return Err("the SP sent a SAMLResponse, not an AuthnRequest".into());
                }
                (m.xml, m.relay_state, m.signature, "HTTP-Redirect")
            }
            Some(fields) => {
                let field = |n: &str| fields.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
                let encoded =
                    field("SAMLRequest").ok_or("the SP's POST form has no SAMLRequest")?;
                let xml = bindings::decode_post(&encoded)
                    .map_err(|e| format!("the AuthnRequest: {e}"))?;
                (xml, field("RelayState"), None, "HTTP-POST")
            }
        };
        let request = authn_request::parse(&xml).map_err(|e| format!("the AuthnRequest: {e}"))?;
        Ok(Captured {
            xml,
            request,
            binding,
            redirect_signature,
            relay_state,
            url: url.to_string(),
        })
    }

    /// The ACS a Response to `c` goes to: the request's, if the metadata lists it.
    fn acs(&self, c: &Captured) -> Option<String> {
        self.sp
            .acs_for(c.request.acs_url.as_deref(), c.request.acs_index)
            .or_else(|| self.sp.acs_for(None, None))
            .map(|e| e.location.clone())
    }

    /// Posts `crafted` to the ACS (HTTP-POST binding) and follows where the SP sends.
    async fn deliver(
        &self,
        b: &Browser,
        acs: &str,
        crafted: &Crafted,
        captured: &Captured,
    ) -> Result<Page, String> {
        let encoded = match crafted.deflate_padding {
            Some(spaces) => {
                let end = crafted.xml.rfind("</").unwrap_or(crafted.xml.len());
                let padded = format!(
                    "{}{}{}",
                    &crafted.xml[..end],
                    " ".repeat(spaces),
                    &crafted.xml[end..]
                );
                bindings::deflate_base64(&padded)
                    .map_err(|e| format!("the suite could not deflate it: {e}"))?
            }
            None => STANDARD.encode(&crafted.xml),
        };
        let mut fields = vec![("SAMLResponse".to_owned(), encoded)];
        if let Some(r) = crafted
            .relay_state
            .clone()
            .or_else(|| captured.relay_state.clone())
        {
            fields.push(("RelayState".to_owned(), r));
        }
        b.post_form(acs, &fields).await.map_err(|e| e.to_string())
    }

    /// The protected page: a session, and the identity it shows.
    async fn probe(&self, b: &Browser) -> Result<Option<Session>, String> {
        // An SP that starts a login for the protected page (instead of refusing) has no
        // session: stop before the IdP.
        let page = match b
            .get_until(&self.config.protected_url, &self.idp.sso_url)
            .await
            .map_err(|e| e.to_string())?
        {
            Navigation::Page(p) => p,
            Navigation::Stopped { .. } => return Ok(None),
        };
        if !(page.status == 200 && page.body.contains(&self.config.logged_in)) {
            return Ok(None);
        }
        let identity = page
            .body
            .lines()
            .find_map(|l| l.split(&self.config.identity_prefix).nth(1))
            .map(|rest| {
                let end = rest.find(['<', '\r']).unwrap_or(rest.len());
                user_agent::unescape(rest[..end].trim())
            });
        Ok(Some(Session { identity }))
    }
}

/// Runs the whole plan against the SP of `config`; `progress` sees each case as it ends.
/// The report explains itself ([`crate::explain`]).
pub async fn run(
    config: &SutConfig,
    idp: &SuiteIdp,
    progress: impl FnMut(&Case),
) -> Result<Report, ConfigError> {
    let mut report = run_plan(config, idp, progress).await?;
    crate::explain::annotate(&mut report);
    Ok(report)
}

async fn run_plan(
    config: &SutConfig,
    idp: &SuiteIdp,
    mut progress: impl FnMut(&Case),
) -> Result<Report, ConfigError> {
    let now_text = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut report = Report::new(
        &format!("SP conformance: {} / SP適合性試験", config.name),
        &now_text,
    );
    let listener = Listener::start()
        .await
        .map_err(|e| ConfigError(format!("the loopback listener: {e}")))?;
    let mut pre = Case::new("preflight", "Checks before the run");
    pre.title_ja = Some("事前確認".into());
    let started = Instant::now();
    let timeout = Duration::from_millis(config.timeout_ms);
    let network = network_for(config, &[&listener.base_url, &idp.base_url])?;
    let fetcher = Browser::with_network("suite", Arc::default(), timeout, network.clone());
    let sp = match load_metadata(&config.metadata, &fetcher)
        .await
        .and_then(|t| parse_sps(&t).map_err(|e| e.to_string()))
    {
        Ok(mut sps) if sps.len() == 1 => sps.remove(0),
        Ok(sps) => {
            return Ok(stopped(
                report,
                pre,
                format!("the metadata has {} SPs; one is needed", sps.len()),
                started,
            ))
        }
        Err(e) => {
            return Ok(stopped(
                report,
                pre,
                format!("the SP's metadata does not load: {e}"),
                started,
            ))
        }
    };
    let sane = sp.acs_for(None, None).is_some();
    pre.steps.push(step(
        "the SP's metadata loads and is sane",
        &["TF-MD-003"],
        if sane {
            Verdict::Passed
        } else {
            Verdict::Failed
        },
        if sane {
            format!("{} with an HTTP-POST ACS", sp.entity_id)
        } else {
            "no HTTP-POST AssertionConsumerService".into()
        },
        Vec::new(),
        started,
    ));
    if !sane {
        return Ok(finish_stopped(
            report,
            pre,
            "the metadata has no HTTP-POST ACS",
        ));
    }
    let mut parties = Parties::default();
    parties.add(&config.login_url, "SP under test");
    parties.add(&listener.base_url, "suite listener");
    let sut = Sut {
        config,
        idp,
        sp,
        listener,
        parties: Arc::new(parties),
        network,
    };
    // The login sends an AuthnRequest to the suite (twice: IDs must differ).
    let t = Instant::now();
    let (b1, b2) = (sut.browser(), sut.browser());
    let captured = match (sut.capture(&b1).await, sut.capture(&b2).await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            pre.steps.push(step(
                "the login URL sends an AuthnRequest to the suite",
                &["TF-SP-006"],
                Verdict::Failed,
                e.clone(),
                b1.take_evidence(),
                t,
            ));
            return Ok(finish_stopped(report, pre, &e));
        }
    };
    pre.steps.push(step(
        "the login URL sends an AuthnRequest to the suite",
        &["TF-SP-006"],
        Verdict::Passed,
        format!("{} by {}", captured.0.request.id, captured.0.binding),
        b1.take_evidence(),
        t,
    ));
    // Without a session, the protected page refuses.
    let t = Instant::now();
    let b = sut.browser();
    match sut.probe(&b).await {
        Ok(None) => pre.steps.push(step(
            "the protected URL refuses without a session",
            &["TF-SP-001"],
            Verdict::Passed,
            "no session shown".into(),
            b.take_evidence(),
            t,
        )),
        Ok(Some(_)) => {
            let why = format!(
                "{} shows \"{}\" without any login: no verdict could mean anything",
                config.protected_url, config.logged_in
            );
            pre.steps.push(step(
                "the protected URL refuses without a session",
                &["TF-SP-001"],
                Verdict::Failed,
                why.clone(),
                b.take_evidence(),
                t,
            ));
            return Ok(finish_stopped(report, pre, &why));
        }
        Err(e) => {
            pre.steps.push(step(
                "the protected URL refuses without a session",
                &["TF-SP-001"],
                Verdict::Failed,
                e.clone(),
                b.take_evidence(),
                t,
            ));
            return Ok(finish_stopped(report, pre, &e));
        }
    }
    // The golden Response is accepted; otherwise every verdict would be meaningless.
    let Some(baseline) = plan::find("baseline-both-signed") else {
        return Err(ConfigError("the plan has no baseline".into()));
    };
    let (base, _, _) = run_test(&sut, baseline, &EncSpec::standard()).await;
    let ok = base.verdict == Verdict::Passed;
    pre.steps.push(step(
        "the unmodified valid Response is accepted",
        &["TF-SP-001"],
        if ok { Verdict::Passed } else { Verdict::Failed },
        base.reason
            .clone()
            .unwrap_or_else(|| "a session for the Response's NameID".into()),
        base.steps.iter().flat_map(|s| s.evidence.clone()).collect(),
        t,
    ));
    if !ok {
        let diagnosis = sut.diagnose().await;
        let why = format!(
            "the baseline Response was not accepted ({}; {diagnosis}): fix the SP's configuration first",
            base.reason.unwrap_or_default()
        );
        return Ok(finish_stopped(report, pre, &why));
    }
    pre.verdict = Verdict::Passed;
    progress(&pre);
    report.suite("preflight").cases.push(pre);
    // The AuthnRequest itself.
    let facts = Facts {
        first: &captured.0,
        second: &captured.1,
        sp: &sut.sp,
        sso_url: &idp.sso_url,
        now: time::OffsetDateTime::now_utc(),
    };
    for check in request::CHECKS.iter().filter(|c| selected(config, c.id)) {
        let t = Instant::now();
        let (verdict, detail) = match (check.check)(&facts) {
            Outcome::Passed(d) => (Verdict::Passed, d),
            Outcome::Failed(d) => (Verdict::Failed, d),
            Outcome::Warning(d) => (Verdict::Warning, d),
            Outcome::Skipped(d) => (Verdict::Skipped, d),
        };
        let mut case = Case::new(check.id, check.title);
        let evidence = vec![Evidence::note("AuthnRequest", &captured.0.xml)];
        case.steps.push(step(
            check.title,
            check.requirements,
            verdict,
            detail.clone(),
            evidence,
            t,
        ));
        case.verdict = verdict;
        case.reason = (verdict != Verdict::Passed).then_some(detail);
        progress(&case);
        report.suite("request").cases.push(case);
    }
    let mut watch = Watch::new(sut.sp.want_assertions_signed);
    let to_run = |t: &&Test| selected(config, t.id) || is_needed_twin(config, t);
    for test in plan::all()
        .iter()
        .copied()
        .filter(to_run)
        .filter(|t| !runs_last(t))
    {
        watch.run(&sut, test, &mut report, &mut progress).await;
    }
    watch.settle(&sut, &mut report, &mut progress).await;
    let mut valid_logout: Option<Verdict> = None;
    for test in LOGOUT_TESTS.iter().filter(|t| selected(config, t.id)) {
        let case = match (watch.dead, valid_logout) {
            (Some(killer), _) => not_run(test.id, test.title, killer),
            (None, Some(v)) if v != Verdict::Passed => Case::new(test.id, test.title)
                .verdict(Verdict::Skipped)
                .with_reason("logout-valid did not end a session, so a session that survives this request teaches nothing"),
            _ => run_logout_test(&sut, test).await,
        };
        if test.judge == LogoutJudge::MustEnd {
            valid_logout = Some(case.verdict);
        }
        progress(&case);
        report.suite("logout").cases.push(case);
    }
    for test in plan::all()
        .iter()
        .copied()
        .filter(to_run)
        .filter(|t| runs_last(t))
    {
        watch.run(&sut, test, &mut report, &mut progress).await;
    }
    watch.settle(&sut, &mut report, &mut progress).await;
    Ok(report)
}

/// Whether `test` is the positive twin of a selected test (twins run even when `only`
/// leaves them out: a negative is judged against its twin).
fn is_needed_twin(config: &SutConfig, test: &Test) -> bool {
    plan::all().iter().any(|t| {
        selected(config, t.id)
            && match t.twin {
                Twin::Test(id) => id == test.id,
                Twin::Encrypted => test.id == ENC_PROFILE,
                Twin::Itself => false,
            }
    })
}

/// What the SP did with each positive twin (Ok: a session for its identity; else what it
/// did instead), and the encryption it accepts.
struct Controls {
    seen: HashMap<&'static str, Result<(), String>>,
    /// The strongest encryption seen accepted (the profile's until it is seen refused).
    enc: EncSpec,
    /// What the SP did with the golden Response encrypted with `enc`.
    enc_seen: Option<Result<(), String>>,
    /// The SP's metadata says WantAssertionsSigned (a Response-only shape is refused).
    wants_assertions_signed: bool,
}

impl Controls {
    fn new(wants_assertions_signed: bool) -> Self {
        Self {
            seen: HashMap::new(),
            enc: EncSpec::standard(),
            enc_seen: None,
            wants_assertions_signed,
        }
    }

    /// A PASSED whose twin was not accepted says nothing: SKIPPED (inconclusive), with
    /// what the SP did with the twin. FAILED and WARNING stand: they are what the SP did.
    fn gate(&self, case: Case, test: &Test) -> Case {
        if case.verdict != Verdict::Passed {
            return case;
        }
        let (name, seen) = match test.twin {
            Twin::Itself => return case,
            Twin::Test(id) => (id.to_owned(), self.seen.get(id)),
            Twin::Encrypted => (
                format!("{ENC_PROFILE}, encrypted with {}", self.enc.describe()),
                self.enc_seen.as_ref(),
            ),
        };
        let why = match seen {
            Some(Ok(())) => return case,
            Some(Err(_)) if test.twin == TWIN_RESPONSE && self.wants_assertions_signed => {
                "not applicable: the SP's metadata says WantAssertionsSigned, so it refuses any message whose assertion is unsigned, as this one's is, whatever else is wrong with it".to_owned()
            }
            Some(Err(e)) => format!(
                "inconclusive: the SP also refused this test's positive twin {name} ({e}), so what it did with this message says nothing about the defect tested"
            ),
            None => format!("inconclusive: its positive twin {name} did not run"),
        };
        let mut case = case.verdict(Verdict::Skipped).with_reason(why.clone());
        case.steps.push(Step {
            verdict: Verdict::Skipped,
            detail: why,
            ..Step::new("compare with the positive twin", test.requirements)
        });
        case
    }
}

/// Tests whose message may kill the SP run after all others, so that a crash costs no
/// other test its verdict.
fn runs_last(test: &Test) -> bool {
    test.category == crate::plan::RESILIENCE
}

/// Watches for a message that kills the SP. The next test's own login is the liveness
/// probe (a second login after every test would double the run): verdicts are held back
/// from the last test that sent a message until the next login starts, or the SP is
/// found dead, in which case that test is FAILED as the killer and the rest are not run.
struct Watch<'a> {
    /// The last test that sent a message, then the cases after it, in plan order.
    held: Vec<(&'a Test, Case)>,
    dead: Option<&'a str>,
    controls: Controls,
}

impl<'a> Watch<'a> {
    fn new(wants_assertions_signed: bool) -> Self {
        Self {
            held: Vec::new(),
            dead: None,
            controls: Controls::new(wants_assertions_signed),
        }
    }

    /// Runs `test`, records what its twin role teaches, and gates it on its twin.
    async fn run_gated(&mut self, sut: &Sut<'_>, test: &Test) -> (Case, Login) {
        let (mut case, login, seen) = run_test(sut, test, &self.controls.enc).await;
        if test.id == ENC_PROFILE {
            self.controls.enc_seen = seen.clone();
            if matches!(seen, Some(Err(_))) {
                self.negotiate(sut, &mut case).await;
            }
        }
        if test.twin == Twin::Itself {
            if let Some(seen) = seen {
                self.controls.seen.insert(test.id, seen);
            }
        }
        (self.controls.gate(case, test), login)
    }

    /// The profile's encryption was refused: offers weaker ones until one is accepted,
    /// so that the other encryption tests use the strongest the SP accepts and say which.
    async fn negotiate(&mut self, sut: &Sut<'_>, case: &mut Case) {
        for spec in EncSpec::fallbacks() {
            let (probe, _, seen) = run_test(sut, &ENC_PROBE, &spec).await;
            let accepted = matches!(seen, Some(Ok(())));
            let mut step = Step::new(
                &format!(
                    "offer the golden Response encrypted with {}",
                    spec.describe()
                ),
                ENC_PROBE.requirements,
            );
            step.verdict = Verdict::Passed;
            step.detail = if accepted {
                "accepted: the other encryption tests use these algorithms".into()
            } else {
                probe.reason.unwrap_or_else(|| "refused".into())
            };
            step.evidence = probe.steps.into_iter().flat_map(|s| s.evidence).collect();
            case.steps.push(step);
            if accepted {
                self.controls.enc = spec;
                self.controls.enc_seen = seen;
                if let Some(r) = &mut case.reason {
                    r.push_str(&format!(
                        "; the SP accepts {} instead, which the other encryption tests use",
                        self.controls.enc.describe()
                    ));
                }
                return;
            }
        }
    }

    async fn run(
        &mut self,
        sut: &Sut<'_>,
        test: &'a Test,
        report: &mut Report,
        progress: &mut impl FnMut(&Case),
    ) {
        if let Some(killer) = self.dead {
            let case = not_run(test.id, test.title, killer);
            progress(&case);
            report.suite(test.category).cases.push(case);
            return;
        }
        let (case, login) = self.run_gated(sut, test).await;
        match login {
            Login::NotTried => self.held.push((test, case)),
            Login::Answered => {
                self.release(report, progress);
                self.held.push((test, case));
            }
            Login::Refused => {
                self.settle(sut, report, progress).await;
                let case = match self.dead {
                    Some(killer) => not_run(test.id, test.title, killer),
                    None => case,
                };
                progress(&case);
                report.suite(test.category).cases.push(case);
            }
        }
    }

    /// Checks that the SP still starts a login, then releases the held verdicts.
    async fn settle(
        &mut self,
        sut: &Sut<'_>,
        report: &mut Report,
        progress: &mut impl FnMut(&Case),
    ) {
        let Some((test, case)) = self.held.first_mut() else {
            return;
        };
        let t = Instant::now();
        if let Err((e, evidence)) = sut.alive().await {
            self.dead = Some(test.id);
            let why = format!(
                "after this message the SP no longer starts a login (crashed or hung?): {e}"
            );
            *case = judged(case.clone(), test, Verdict::Failed, why, evidence, t);
        }
        self.release(report, progress);
    }

    fn release(&mut self, report: &mut Report, progress: &mut impl FnMut(&Case)) {
        for (test, case) in self.held.drain(..) {
            progress(&case);
            report.suite(test.category).cases.push(case);
        }
    }
}

fn not_run(id: &str, title: &str, killer: &str) -> Case {
    Case::new(id, title)
        .verdict(Verdict::Skipped)
        .with_reason(format!("not run: the SP stopped answering after {killer}"))
}

/// How far a test got with the SP.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Login {
    /// Skipped before any login: it proves nothing about the SP's health.
    NotTried,
    /// The SP started no login: perhaps the previous message killed it.
    Refused,
    /// A crafted message was delivered: it may have killed the SP.
    Answered,
}

/// Attempts at a login before the SP is taken for dead, and the pause between them (a
/// loaded machine's slow answer is not a crash). No attempt starts once the probe has
/// taken `LIVENESS_BUDGET`: an SP that took seconds to fail had its chance (mod_shib
/// takes about 6 s to give up on a dead shibd, so three tries cost 18 s).
const LIVENESS_TRIES: u32 = 3;
const LIVENESS_PAUSE: Duration = Duration::from_millis(500);
const LIVENESS_BUDGET: Duration = Duration::from_secs(3);

impl Sut<'_> {
    /// Whether the SP still starts a login; the last failure and its evidence if not.
    async fn alive(&self) -> Result<(), (String, Vec<Evidence>)> {
        let mut last = (String::new(), Vec::new());
        let start = Instant::now();
        for attempt in 0..LIVENESS_TRIES {
            if attempt > 0 {
                if start.elapsed() >= LIVENESS_BUDGET {
                    break;
                }
                tokio::time::sleep(LIVENESS_PAUSE).await;
            }
            let b = self.browser();
            match self.capture(&b).await {
                Ok(_) => return Ok(()),
                Err(e) => last = (e, b.take_evidence()),
            }
        }
        Err(last)
    }
}

fn selected(config: &SutConfig, id: &str) -> bool {
    config.only.is_empty() || config.only.iter().any(|p| id.starts_with(p.as_str()))
}

/// The metadata did not load: a failed preflight step, then as [`finish_stopped`].
fn stopped(report: Report, mut pre: Case, why: String, since: Instant) -> Report {
    pre.steps.push(step(
        "the SP's metadata loads and is sane",
        &["TF-MD-003"],
        Verdict::Failed,
        why.clone(),
        Vec::new(),
        since,
    ));
    finish_stopped(report, pre, &why)
}

/// The preflight failed: say so, and skip every test with the reason (no wall of passes).
fn finish_stopped(mut report: Report, mut pre: Case, why: &str) -> Report {
    pre.verdict = Verdict::Failed;
    pre.reason = Some(why.to_owned());
    report.suite("preflight").cases.push(pre);
    let skip = |id: &str, title: &str| {
        Case::new(id, title)
            .verdict(Verdict::Skipped)
            .with_reason(format!("not run: the checks before the run failed: {why}"))
    };
    for t in plan::all() {
        report.suite(t.category).cases.push(skip(t.id, t.title));
    }
    for t in LOGOUT_TESTS {
        report.suite("logout").cases.push(skip(t.id, t.title));
    }
    report
}

fn unique(tag: &str) -> String {
    use rand::RngCore;
    let mut b = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("mnctf-{tag}-{}", hex::encode(b))
}

/// Whether the SP opened a session for the test's own identity (Ok), or what it did.
type Seen = Option<Result<(), String>>;

/// One test: a fresh browser, a real login, the crafted answer (encrypted tests with
/// `enc`), the protected page.
async fn run_test(sut: &Sut<'_>, test: &Test, enc: &EncSpec) -> (Case, Login, Seen) {
    let case = Case::new(test.id, test.title);
    if test.needs == Needs::EncryptionKey && sut.sp.encryption_certs.is_empty() {
        let case = case.verdict(Verdict::Skipped).with_reason(
            "the SP's metadata publishes no encryption key: it takes no encrypted assertions",
        );
        return (case, Login::NotTried, None);
    }
    let t = Instant::now();
    let b = sut.browser();
    match sut.capture(&b).await {
        Ok(captured) => {
            let (case, seen) = answer(sut, test, enc, case, b, captured, t).await;
            (case, Login::Answered, seen)
        }
        Err(e) => {
            let why = format!("the login did not send an AuthnRequest: {e}");
            let case = failed_to_run(case, test, why, b.take_evidence(), t);
            (case, Login::Refused, None)
        }
    }
}

/// Answers a captured AuthnRequest with the test's crafted Response and judges the result.
async fn answer(
    sut: &Sut<'_>,
    test: &Test,
    enc: &EncSpec,
    mut case: Case,
    b: Browser,
    captured: Captured,
    t: Instant,
) -> (Case, Seen) {
    let Some(acs) = sut.acs(&captured) else {
        let why = "no ACS to answer at".to_owned();
        return (failed_to_run(case, test, why, b.take_evidence(), t), None);
    };
    let ctx = Ctx {
        golden: sut.golden(&acs, &captured),
        idp: &sut.idp.key,
        attacker: &sut.idp.attacker,
        identity: unique("user"),
        forged: unique("forged"),
        listener: sut.listener.base_url.clone(),
        test_id: test.id,
        wants_assertions_signed: sut.sp.want_assertions_signed,
        sp_encryption_cert: sut.sp.encryption_certs.first().map(Vec::as_slice),
        enc: enc.clone(),
    };
    let crafted = match test.craft(&ctx) {
        Ok(c) => c,
        Err(e) => {
            let mut c = case.verdict(Verdict::Skipped);
            c.reason = Some(format!(
                "the suite could not craft this message (a suite bug, not the SP's): {e}"
            ));
            return (c, None);
        }
    };
    let delivered = sut.deliver(&b, &acs, &crafted, &captured).await;
    let mut evidence = b.take_evidence();
    let title = match crafted.deflate_padding {
        Some(n) => format!(
            "the crafted Response (sent DEFLATE-compressed, {n} spaces before the root's end tag)"
        ),
        None => "the crafted Response".into(),
    };
    evidence.push(Evidence::note(&title, &crafted.xml));
    let sent = step(
        "trigger a login and answer it with the crafted Response",
        test.requirements,
        Verdict::Passed,
        match test.needs {
            Needs::EncryptionKey => format!(
                "AuthnRequest {} answered at {acs}, the assertion encrypted with {}",
                captured.request.id,
                ctx.enc.describe()
            ),
            Needs::Nothing => format!("AuthnRequest {} answered at {acs}", captured.request.id),
        },
        evidence,
        t,
    );
    case.steps.push(sent);
    let t = Instant::now();
    let (browser, session) = match (crafted.replay, delivered) {
        (_, Err(e)) if e.contains("timed out") || e.contains("operation timed out") => {
            let why = format!(
                "the SP did not answer within {} ms: a denial of service?",
                sut.config.timeout_ms
            );
            return (
                judged(case, test, Verdict::Failed, why, Vec::new(), t),
                None,
            );
        }
        (true, _) => {
            // The first delivery must open a session, or nothing is learnt from a replay.
            match sut.probe(&b).await {
                Ok(Some(_)) => {}
                _ => {
                    let mut c = case.verdict(Verdict::Skipped);
                    c.reason = Some(
                        "the first delivery was refused, so a replay could not be tested".into(),
                    );
                    return (c, None);
                }
            }
            let b2 = sut.browser();
            let again = match sut.capture(&b2).await {
                Ok(c) => c,
                Err(e) => return (failed_to_run(case, test, e, b2.take_evidence(), t), None),
            };
            let _ = sut.deliver(&b2, &acs, &crafted, &again).await;
            let s = sut.probe(&b2).await;
            (b2, s)
        }
        (false, _) => {
            let s = sut.probe(&b).await;
            (b, s)
        }
    };
    let session = match session {
        Ok(s) => s,
        Err(e) => {
            let why = format!("the protected page did not answer: {e}");
            let case = judged(case, test, Verdict::Failed, why, browser.take_evidence(), t);
            return (case, None);
        }
    };
    let seen = match &session {
        Some(s) if s.identity.as_deref() == Some(ctx.identity.as_str()) => Ok(()),
        Some(s) => Err(format!(
            "a session, but for {}",
            crate::words::quoted_or(s.identity.as_deref(), "no identity shown")
        )),
        None => Err("no session".to_owned()),
    };
    let evidence = browser.take_evidence();
    let fetched = sut.listener.hits_for(test.id);
    let (verdict, why) = judge(sut, test, &ctx, &crafted, session.as_ref(), &fetched);
    (judged(case, test, verdict, why, evidence, t), Some(seen))
}

fn failed_to_run(
    case: Case,
    test: &Test,
    why: String,
    evidence: Vec<Evidence>,
    t: Instant,
) -> Case {
    judged(case, test, Verdict::Failed, why, evidence, t)
}

fn judged(
    mut case: Case,
    test: &Test,
    verdict: Verdict,
    why: String,
    evidence: Vec<Evidence>,
    t: Instant,
) -> Case {
    case.steps.push(step(
        "judge by the session the SP opened",
        test.requirements,
        verdict,
        why.clone(),
        evidence,
        t,
    ));
    case.verdict = verdict;
    case.reason = (verdict != Verdict::Passed).then_some(why);
    case
}

/// The verdict from what the SP did.
fn judge(
    sut: &Sut<'_>,
    test: &Test,
    ctx: &Ctx<'_>,
    crafted: &Crafted,
    session: Option<&Session>,
    fetched: &[String],
) -> (Verdict, String) {
    let relay_hits: Vec<&String> = fetched
        .iter()
        .filter(|p| p.starts_with("/relay-target/"))
        .collect();
    let other_hits: Vec<&String> = fetched
        .iter()
        .filter(|p| !p.starts_with("/relay-target/"))
        .collect();
    if !other_hits.is_empty() {
        return (Verdict::Failed, format!("the SP fetched {} from the suite's loopback listener while processing the message (TF-SP-008)", other_hits.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")));
    }
    let shown = session.map(|s| {
        s.identity
            .clone()
            .unwrap_or_else(|| "(no identity shown)".into())
    });
    let believed = crafted.believed.as_deref().unwrap_or(&ctx.identity);
    let judge = match test.judge {
        Judge::AcceptUnlessWantsAssertionsSigned if sut.sp.want_assertions_signed => {
            Judge::MustRefuse
        }
        Judge::AcceptUnlessWantsAssertionsSigned => Judge::MustAccept,
        j => j,
    };
    match (judge, shown) {
        (Judge::MustNotRedirectOffSite, _) if !relay_hits.is_empty() => (Verdict::Failed, "after the login the SP sent the browser off its own origin, to the RelayState's target (an open redirect)".into()),
        (Judge::MustNotRedirectOffSite, _) => (Verdict::Passed, "the SP did not send the browser off its own origin".into()),
        (Judge::MustNotFetch, _) => (Verdict::Passed, "nothing was fetched from the suite's listener".into()),
        (Judge::MustNotExpand, Some(id)) if id.trim() == believed.trim() => (Verdict::Failed, format!("the SP resolved the entity of the message's own DTD into the signed NameID: a session for {id:?}")),
        (Judge::MustNotExpand, Some(id)) => (Verdict::Warning, format!("accepted a message with a DTD, the session for {id}")),
        (Judge::MustNotExpand, None) => (Verdict::Passed, "refused: no session".into()),
        (Judge::MustAccept, Some(id)) if id == ctx.identity => (Verdict::Passed, format!("a session for {id}")),
        (Judge::MustAccept, Some(id)) => (Verdict::Failed, format!("a session, but for {id:?}, not the asserted {}", ctx.identity)),
        (Judge::MustAccept, None) => (Verdict::Failed, "refused: no session for a valid Response".into()),
        (Judge::MustRefuse, None) | (Judge::ShouldRefuse, None) | (Judge::MustNotBelieveForged, None) => (Verdict::Passed, "refused: no session".into()),
        (Judge::MustRefuse, Some(id)) => (Verdict::Failed, format!("accepted: a session for {id}")),
        (Judge::ShouldRefuse, Some(id)) => (Verdict::Warning, format!("accepted (the profile discourages it): a session for {id}")),
        (Judge::MustNotBelieveForged, Some(id)) if id == believed => (Verdict::Failed, format!("the SP believed the forged identity {id}")),
        (Judge::MustNotBelieveForged, Some(id)) => (Verdict::Warning, format!("accepted a manipulated message, but the session is for {id}, not the forged {believed}")),
        (Judge::AcceptUnlessWantsAssertionsSigned, _) => (Verdict::Failed, "internal: unresolved judge".into()),
    }
}

/// A session opened by the golden Response, for a logout test to end.
struct LoggedIn {
    identity: String,
    session_index: String,
}

impl Sut<'_> {
    /// A real login answered with the golden Response; the session must show.
    async fn log_in(&self, b: &Browser) -> Result<LoggedIn, String> {
        let captured = self.capture(b).await?;
        let acs = self.acs(&captured).ok_or("no ACS to answer at")?;
        let identity = unique("user");
        let knobs = self.golden(&acs, &captured).knobs(&identity);
        let spec = crate::message::SignSpec::standard(&self.idp.key);
        let xml = crate::message::build(&knobs, crate::message::Signing::Both, &spec)
            .map_err(|e| format!("the suite could not sign the golden Response: {e}"))?;
        self.deliver(b, &acs, &Crafted::of(xml), &captured).await?;
        match self.probe(b).await? {
            Some(s) if s.identity.as_deref() == Some(identity.as_str()) => Ok(LoggedIn {
                identity,
                session_index: knobs.assertion_id,
            }),
            Some(s) => Err(format!(
                "the golden Response opened a session for {}, not {identity}",
                s.identity.as_deref().unwrap_or("no identity shown")
            )),
            None => Err(format!(
                "the golden Response did not open a session for {identity}"
            )),
        }
    }

    /// Why a valid login shows no session, as far as the browser can tell: what the ACS
    /// answered and what the protected page then showed, with the likely fix.
    async fn diagnose(&self) -> String {
        let b = self.browser();
        let captured = match self.capture(&b).await {
            Ok(c) => c,
            Err(e) => return e,
        };
        let Some(acs) = self.acs(&captured) else {
            return "the SP's metadata has no ACS to answer at".into();
        };
        let knobs = self.golden(&acs, &captured).knobs(&unique("user"));
        let spec = crate::message::SignSpec::standard(&self.idp.key);
        let Ok(xml) = crate::message::build(&knobs, crate::message::Signing::Both, &spec) else {
            return "the suite could not sign the golden Response".into();
        };
        let at_acs = match self.deliver(&b, &acs, &Crafted::of(xml), &captured).await {
            Ok(p) => format!("the ACS answered HTTP {} at {}", p.status, p.url),
            Err(e) => format!("posting to the ACS: {e}"),
        };
        let host = |u: &str| {
            url::Url::parse(u)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
        };
        let hosts = if host(&acs) != host(&self.config.protected_url) {
            format!(" The ACS {acs} and the protected page {} are on different hosts: the session cookie set at one is not sent to the other; use the same host name in sut.toml as in the SP's metadata.", self.config.protected_url)
        } else {
            String::new()
        };
        let page = match b.get_until(&self.config.protected_url, &self.idp.sso_url).await {
            Ok(Navigation::Page(p)) => p,
            Ok(Navigation::Stopped { .. }) => {
                return format!("{at_acs}; then the protected page sent the browser to log in again: the SP kept no session.{hosts}")
            }
            Err(e) => return format!("{at_acs}; then the protected page: {e}"),
        };
        let shown = crate::idp::login::page_text(&page.body);
        format!(
            "{at_acs}; then the protected page {} answered HTTP {} without \"{}\", the text that shows a session (logged_in in sut.toml); it shows: {shown}. If that is a logged-in page, set logged_in to text it shows.{hosts}",
            page.url, page.status, self.config.logged_in
        )
    }

    /// The golden Response's base for an answer to `captured` at `acs`.
    fn golden(&self, acs: &str, captured: &Captured) -> Golden {
        Golden {
            idp: self.idp.entity_id.clone(),
            sp: self.sp.entity_id.to_string(),
            acs: acs.to_owned(),
            request_id: captured.request.id.clone(),
            authn_class: self.config.authn_class.clone(),
            now: time::OffsetDateTime::now_utc(),
        }
    }

    /// The SP's HTTP-Redirect SingleLogoutService.
    fn slo_url(&self) -> Option<String> {
        self.sp
            .slo
            .iter()
            .find(|e| e.binding == BINDING_REDIRECT)
            .map(|e| e.location.clone())
    }
}

/// What the SP answered a LogoutRequest with, in words (the verdict does not depend on it).
fn logout_answer(nav: &Navigation) -> String {
    let message = match nav {
        Navigation::Stopped { url, form: None } => {
            bindings::decode_redirect(url.query().unwrap_or_default()).map(|m| m.xml)
        }
        Navigation::Stopped {
            form: Some(fields), ..
        } => fields
            .iter()
            .find(|(k, _)| k == "SAMLResponse")
            .map(|(_, v)| bindings::decode_post(v))
            .unwrap_or_else(|| {
                Err(trust_framework::saml::SamlError::Invalid(
                    "no SAMLResponse".into(),
                ))
            }),
        Navigation::Page(p) => {
            return format!(
                "the SP answered with a page (HTTP {}), no LogoutResponse",
                p.status
            )
        }
    };
    match message.map(|xml| trust_framework::saml::logout::parse_response(&xml)) {
        Ok(Ok(r)) => format!(
            "the SP's LogoutResponse says {}",
            r.status.rsplit(':').next().unwrap_or(&r.status)
        ),
        Ok(Err(e)) => format!("the SP sent back a message that is not a LogoutResponse: {e}"),
        Err(e) => format!("the SP sent back an unreadable message: {e}"),
    }
}

/// One logout test: a fresh browser, a real login, the crafted LogoutRequest, the
/// protected page.
async fn run_logout_test(sut: &Sut<'_>, test: &LogoutTest) -> Case {
    let case = Case::new(test.id, test.title);
    let Some(slo_url) = sut.slo_url() else {
        return case.verdict(Verdict::Skipped).with_reason(
            "the SP's metadata has no HTTP-Redirect SingleLogoutService: it takes no logout from the IdP",
        );
    };
    let t = Instant::now();
    let b = sut.browser();
    let session = match sut.log_in(&b).await {
        Ok(s) => s,
        Err(e) => {
            return case
                .verdict(Verdict::Skipped)
                .with_reason(format!("the login before the logout failed: {e}"))
        }
    };
    let ctx = LogoutCtx {
        idp: &sut.idp.key,
        attacker: &sut.idp.attacker,
        issuer: sut.idp.entity_id.clone(),
        slo_url,
        name_id: session.identity.clone(),
        session_index: session.session_index,
        now: time::OffsetDateTime::now_utc(),
    };
    let query = match (test.craft)(&ctx) {
        Ok(q) => q,
        Err(e) => {
            return case.verdict(Verdict::Skipped).with_reason(format!(
                "the suite could not craft this message (a suite bug, not the SP's): {e}"
            ))
        }
    };
    let url = ctx.url(&query);
    let nav = b.get_until(&url, &sut.idp.base_url).await;
    let mut evidence = b.take_evidence();
    if let Ok(m) = bindings::decode_redirect(&query) {
        evidence.push(Evidence::note("the crafted LogoutRequest", &m.xml));
    }
    let answer = match &nav {
        Ok(n) => logout_answer(n),
        Err(e) => format!("the SP's logout endpoint: {e}"),
    };
    let mut case = case;
    case.steps.push(step(
        "log in, then send the crafted LogoutRequest",
        test.requirements,
        Verdict::Passed,
        answer.clone(),
        evidence,
        t,
    ));
    let t = Instant::now();
    let (verdict, why) = match sut.probe(&b).await {
        Err(e) => (
            Verdict::Failed,
            format!("the protected page did not answer: {e}"),
        ),
        Ok(after) => judge_logout(test.judge, after.is_some(), &session.identity, &answer),
    };
    case.steps.push(step(
        "judge by whether the session survived",
        test.requirements,
        verdict,
        why.clone(),
        b.take_evidence(),
        t,
    ));
    case.verdict = verdict;
    case.reason = (verdict != Verdict::Passed).then_some(why);
    case
}

fn judge_logout(
    judge: LogoutJudge,
    survived: bool,
    identity: &str,
    answer: &str,
) -> (Verdict, String) {
    match (judge, survived) {
        (LogoutJudge::MustEnd, false) => (
            Verdict::Passed,
            format!("the session of {identity} ended ({answer})"),
        ),
        (LogoutJudge::MustEnd, true) => (
            Verdict::Failed,
            format!("the session of {identity} survived a valid signed LogoutRequest ({answer})"),
        ),
        (LogoutJudge::MustKeep | LogoutJudge::ShouldKeep, true) => (
            Verdict::Passed,
            format!("the session survived: the request was not acted on ({answer})"),
        ),
        (LogoutJudge::MustKeep, false) => (
            Verdict::Failed,
            format!("the SP ended the session on a LogoutRequest it must not trust ({answer})"),
        ),
        (LogoutJudge::ShouldKeep, false) => (
            Verdict::Warning,
            format!("the SP ended the session on a request the profile says to refuse ({answer})"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn passed(id: &str) -> Case {
        Case::new(id, "t").verdict(Verdict::Passed)
    }

    fn test(id: &str) -> &'static Test {
        plan::find(id).unwrap_or_else(|| panic!("{id} is in the plan"))
    }

    /// verdicts.md §2: a refusal is PASSED only when the twin of its shape was accepted.
    #[test]
    fn a_pass_whose_twin_was_refused_is_inconclusive() {
        let mut c = Controls::new(false);
        let xsw3 = test("xsw3-assertion-signed");
        c.seen
            .insert("baseline-assertion-signed", Err("no session".into()));
        let gated = c.gate(passed(xsw3.id), xsw3);
        assert_eq!(gated.verdict, Verdict::Skipped);
        assert!(gated.reason.unwrap().contains("inconclusive"));
        c.seen.insert("baseline-assertion-signed", Ok(()));
        assert_eq!(c.gate(passed(xsw3.id), xsw3).verdict, Verdict::Passed);
        // What the SP did stands, whatever the twin: a FAILED is evidence on its own.
        c.seen
            .insert("baseline-assertion-signed", Err("no session".into()));
        let failed = Case::new(xsw3.id, "t").verdict(Verdict::Failed);
        assert_eq!(c.gate(failed, xsw3).verdict, Verdict::Failed);
        // A twin that never ran proves nothing either.
        let sig = test("sig-both-assertion-tampered");
        assert_eq!(c.gate(passed(sig.id), sig).verdict, Verdict::Skipped);
    }

    #[test]
    fn encrypted_negatives_are_judged_against_the_accepted_encryption() {
        let mut c = Controls::new(false);
        let t = test("enc-cond-expired");
        c.enc_seen = Some(Err("no session".into()));
        assert_eq!(c.gate(passed(t.id), t).verdict, Verdict::Skipped);
        c.enc = EncSpec::fallbacks()[0].clone();
        c.enc_seen = Some(Ok(()));
        assert_eq!(c.gate(passed(t.id), t).verdict, Verdict::Passed);
    }
}
