//! The IdP run: the suite's CA service started on its URL, the IdP's metadata read, a
//! preflight (a valid card logs in and the Response is one a strict SP accepts), then
//! every test with fresh browsers and fresh cards. Verdicts come from what reached the
//! suite's SPs (a Response a strict SP accepts, and for whom), never from a status code.

use std::sync::Arc;
use std::time::{Duration, Instant};

use cardholder::Card;
use mock_ca::ocsp::Fault;
use mock_ca::server::RunningService;
use mock_ca::PersonaId;
use reports::{Case, Evidence, Report, Step, Verdict};
use trust_framework::saml::constants::{status, BINDING_POST, BINDING_REDIRECT, NS_DSIG};
use trust_framework::saml::metadata::parse_idps;
use trust_framework::saml::sp::{verify_response, Expectations, VerifiedAssertion};
use user_agent::{Browser, Parties};

use super::config::{IdpSutConfig, Role, SuiteSps};
use super::login::{self, Idp, Reached, Sent, Started, MARKUP_RELAY};
use super::plan::{CaFault, Flow, IdpJudge, IdpTest, Request, IDP_TESTS};
use crate::words::{ended, quoted_or};
use crate::ConfigError;

/// How a login that never reached a Response begins its reason.
const LOGIN_COULD_NOT_RUN: &str = "the login could not run";

/// The IdP as the suite sees it during a run.
struct Sut<'a> {
    config: &'a IdpSutConfig,
    suite: &'a SuiteSps,
    idp: Idp,
    ca: &'a RunningService,
    parties: Arc<Parties>,
    network: user_agent::Network,
}

/// What a test observed: its verdict, why, and the evidence.
pub(super) struct Outcome {
    pub(super) verdict: Verdict,
    pub(super) why: String,
    pub(super) evidence: Vec<Evidence>,
}

impl Outcome {
    /// The step that records it.
    pub(super) fn into_step(self, title: &str, requirements: &[&str], since: Instant) -> Step {
        let mut s = Step::new(title, requirements);
        s.verdict = self.verdict;
        s.detail = self.why;
        s.evidence = self.evidence;
        s.duration_ms = ms(since);
        s
    }

    pub(super) fn new(verdict: Verdict, why: impl Into<String>) -> Self {
        Self {
            verdict,
            why: why.into(),
            evidence: Vec::new(),
        }
    }
}

/// Runs the plan against the IdP of `config`, the suite playing `suite`. The report
/// explains itself ([`crate::explain`]).
pub async fn run(
    config: &IdpSutConfig,
    suite: &SuiteSps,
    progress: impl FnMut(&Case),
) -> Result<Report, ConfigError> {
    let mut report = run_plan(config, suite, progress).await?;
    crate::explain::annotate(&mut report);
    Ok(report)
}

async fn run_plan(
    config: &IdpSutConfig,
    suite: &SuiteSps,
    mut progress: impl FnMut(&Case),
) -> Result<Report, ConfigError> {
    let now_text = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut report = Report::new(
        &format!("IdP conformance: {} / IdP適合性試験", config.name),
        &now_text,
    );
    if config.role == Role::AttributeAuthority {
        return super::authority::run(config, suite, progress).await;
    }
    let ca = start_ca(&suite.ca_url).await?;
    let mut pre = Case::new("preflight", "Checks before the run");
    pre.title_ja = Some("事前確認".into());
    let t = Instant::now();
    let network = super::engine::network_for(config, suite)?;
    let idp = match load_idp(config, &network).await {
        Ok(idp) => idp,
        Err(e) => {
            let why = format!("the IdP's metadata: {e}");
            return Ok(stopped(report, pre, why, t, config.role));
        }
    };
    let mut parties = Parties::default();
    parties.add(&idp.origin, "IdP under test");
    parties.add(&suite.base_url, "suite SPs");
    let sut = Sut {
        config,
        suite,
        idp,
        ca: &ca,
        parties: Arc::new(parties),
        network,
    };
    let Some(valid) = IDP_TESTS.iter().find(|t| t.id == "login-valid") else {
        return Err(ConfigError("the plan has no login-valid test".into()));
    };
    let base = sut.run_test(valid).await;
    let ok = base.verdict == Verdict::Passed;
    let mut s = Step::new(
        "a valid card logs in and the Response is one a strict SP accepts",
        valid.requirements,
    );
    s.verdict = base.verdict;
    s.detail = base.why.clone();
    s.evidence = base.evidence;
    s.duration_ms = ms(t);
    pre.steps.push(s);
    if !ok {
        // Unreachable is not untrusting: the fix differs.
        let fix = if base.why.starts_with(LOGIN_COULD_NOT_RUN) {
            "does the IdP answer at the URLs its metadata names (over https: is its server certificate's CA in [network] ca)?"
        } else {
            "is the suite installed in the IdP (`mnctf test-idp metadata`)?"
        };
        let why = format!(
            "a valid login did not give an acceptable Response ({}): {fix}",
            base.why
        );
        return Ok(finish_stopped(report, pre, &why, config.role));
    }
    pre.verdict = Verdict::Passed;
    progress(&pre);
    report.suite("preflight").cases.push(pre);
    for test in plan(config).filter(|t| selected(config, t.id)) {
        let t = Instant::now();
        let o = sut.run_test(test).await;
        let step = o.into_step(
            "judge by what reached the suite's SPs",
            test.requirements,
            t,
        );
        let case = case_of(test.id, (test.title, test.title_ja), step);
        progress(&case);
        report.suite(test.category).cases.push(case);
    }
    ca.faults.set_ocsp(None);
    Ok(report)
}

/// A case of one step, its verdict the step's, its reason the step's detail unless PASSED.
pub(super) fn case_of(id: &str, (title, title_ja): (&str, &str), step: Step) -> Case {
    let mut case = Case::new(id, title);
    case.title_ja = Some(title_ja.into());
    case.verdict = step.verdict;
    case.reason = (step.verdict != Verdict::Passed).then(|| step.detail.clone());
    case.steps.push(step);
    case
}

pub(super) fn ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// The browser's policy: the vendor's, plus the suite's SPs (the browser is sent there).
pub(super) fn network_for(
    config: &IdpSutConfig,
    suite: &SuiteSps,
) -> Result<user_agent::Network, ConfigError> {
    let mut n = config.network.policy()?;
    if !n.allow.is_empty() {
        if let Ok(u) = url::Url::parse(&suite.base_url) {
            let host = u.host_str().unwrap_or_default();
            n.allow.push(format!(
                "{host}:{}",
                u.port_or_known_default().unwrap_or_default()
            ));
        }
    }
    Ok(n)
}

/// The tests of the role under test.
fn plan(config: &IdpSutConfig) -> impl Iterator<Item = &'static IdpTest> + '_ {
    IDP_TESTS.iter().filter(|t| t.is_for(config.role))
}

fn selected(config: &IdpSutConfig, id: &str) -> bool {
    config.only.is_empty() || config.only.iter().any(|p| id.starts_with(p.as_str()))
}

/// The suite's CA service on the port of `ca_url` (the IdP under test fetches OCSP
/// answers and CRLs there: the certificates name it).
pub(super) async fn start_ca(ca_url: &str) -> Result<RunningService, ConfigError> {
    let port = url::Url::parse(ca_url)
        .ok()
        .and_then(|u| u.port())
        .ok_or_else(|| ConfigError(format!("the CA service URL {ca_url} names no port")))?;
    tokio::task::spawn_blocking(move || {
        RunningService::start(port, |_| {}, mock_ca::Clock::system())
    })
    .await
    .map_err(|e| ConfigError(format!("the CA service: {e}")))?
    .map_err(|e| ConfigError(format!("the CA service on port {port}: {e}")))
}

/// The IdP's metadata: its entityID, HTTP-Redirect SSO endpoint and signing keys.
async fn load_idp(config: &IdpSutConfig, network: &user_agent::Network) -> Result<Idp, String> {
    let timeout = Duration::from_millis(config.timeout_ms);
    let b = Browser::with_network("suite", Arc::default(), timeout, network.clone());
    let text = crate::engine::load_metadata(&config.metadata, &b).await?;
    let mut idps = parse_idps(&text).map_err(|e| e.to_string())?;
    if idps.len() != 1 {
        return Err(format!(
            "{} IdPs in the metadata; one is needed",
            idps.len()
        ));
    }
    let md = idps.remove(0);
    let sso_url = md
        .sso
        .iter()
        .find(|e| e.binding == BINDING_REDIRECT)
        .map(|e| e.location.clone())
        .ok_or("no HTTP-Redirect SingleSignOnService")?;
    config
        .network
        .permits("the SSO URL", &sso_url)
        .map_err(|e| e.to_string())?;
    let origin = url::Url::parse(&sso_url)
        .map(|u| u.origin().ascii_serialization())
        .map_err(|e| e.to_string())?;
    if md.signing_certs.is_empty() {
        return Err("no signing certificate".into());
    }
    let slo_url = md.slo_location(BINDING_REDIRECT).map(str::to_owned);
    let sso_post_url = md.sso_location(BINDING_POST).map(str::to_owned);
    Ok(Idp {
        entity_id: md.entity_id.to_string(),
        sso_url,
        origin,
        certs: md.signing_certs,
        slo_url,
        sso_post_url,
    })
}

/// The preflight failed: say so, and skip every test with the reason.
fn stopped(report: Report, mut pre: Case, why: String, since: Instant, role: Role) -> Report {
    let mut s = Step::new("the IdP's metadata loads", &["TF-IDP-001"]);
    s.verdict = Verdict::Failed;
    s.detail = why.clone();
    s.duration_ms = ms(since);
    pre.steps.push(s);
    finish_stopped(report, pre, &why, role)
}

fn finish_stopped(mut report: Report, mut pre: Case, why: &str, role: Role) -> Report {
    pre.verdict = Verdict::Failed;
    pre.reason = Some(why.to_owned());
    report.suite("preflight").cases.push(pre);
    for t in IDP_TESTS.iter().filter(|t| t.is_for(role)) {
        let mut case = Case::new(t.id, t.title);
        case.title_ja = Some(t.title_ja.into());
        report.suite(t.category).cases.push(
            case.verdict(Verdict::Skipped)
                .with_reason(format!("not run: the checks before the run failed: {why}")),
        );
    }
    report
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

    fn card(&self, persona: PersonaId) -> Card {
        Card::new(self.ca.pki.persona(persona).card_image())
    }

    fn stop(&self) -> String {
        format!("{}/", self.suite.base_url)
    }

    /// The AuthnRequest of SP `sp` with `change`.
    fn request(&self, sp: usize, change: Request) -> Result<Sent, String> {
        login::request_url(
            &self.idp,
            &self.suite.sps[sp],
            &self.suite.sps[1 - sp],
            &self.suite.base_url,
            &self.config.authn_class,
            change,
        )
    }

    fn set_fault(&self, fault: CaFault) {
        let f = &self.ca.faults;
        f.set_ocsp(match fault {
            CaFault::None => None,
            CaFault::OcspDown | CaFault::AllDown => Some(Fault::Unavailable),
            CaFault::OcspWrongSigner => Some(Fault::WrongSigner),
            CaFault::OcspStale => Some(Fault::Stale),
            CaFault::OcspBadNonce => Some(Fault::BadNonce),
        });
        f.set_stale_crl(fault == CaFault::AllDown);
    }

    /// A whole login at SP `sp` with `change`, the card of `persona` if asked for.
    async fn login(
        &self,
        b: &Browser,
        sp: usize,
        change: Request,
        persona: PersonaId,
    ) -> Result<(Sent, Reached, bool), String> {
        self.login_with(b, sp, change, || self.card(persona)).await
    }

    /// The same with the card `card` makes (asked for only if the IdP asks for a card).
    async fn login_with(
        &self,
        b: &Browser,
        sp: usize,
        change: Request,
        card: impl FnOnce() -> Card,
    ) -> Result<(Sent, Reached, bool), String> {
        let sent = self.request(sp, change)?;
        match login::start_sent(b, &sent, &self.stop()).await? {
            Started::Reached(r) => Ok((sent, r, false)),
            Started::Page(p) => {
                let password = self.config.password.as_ref();
                let (r, asked) = login::password_or_refusal(b, &p, password, &self.stop()).await?;
                Ok((sent, r, asked))
            }
            Started::LoginPage(at) => {
                let card = card();
                let r = login::card_login(b, &self.idp, &at, &card, &self.config.pin, &self.stop())
                    .await?;
                Ok((sent, r, true))
            }
        }
    }

    /// What a strict SP `sp` makes of a Response to `sent`.
    fn verify(
        &self,
        sp: usize,
        sent: &Sent,
        url: &str,
        xml: &str,
    ) -> Result<VerifiedAssertion, String> {
        let s = &self.suite.sps[sp];
        if url != s.acs_url {
            return Err(format!(
                "the Response went to {url}, not the SP's ACS {}",
                s.acs_url
            ));
        }
        let signed_root = roxmltree::Document::parse(xml).is_ok_and(|d| {
            d.root_element().children().any(|c| {
                c.tag_name().namespace() == Some(NS_DSIG) && c.tag_name().name() == "Signature"
            })
        });
        if !signed_root {
            return Err("the Response itself is not signed (TF-IDP-006: Response and Assertion each signed)".into());
        }
        let e = Expectations {
            sp_entity_id: &s.entity_id,
            acs_url: &s.acs_url,
            idp_entity_id: &self.idp.entity_id,
            idp_certs: &self.idp.certs,
            request_id: Some(&sent.id),
            now: time::OffsetDateTime::now_utc(),
            skew: time::Duration::minutes(3),
            required_class: Some(&self.config.authn_class),
            require_signed_assertion: true,
        };
        verify_response(xml, &e).map_err(|e| format!("a strict SP refuses the Response: {e}"))
    }

    async fn run_test(&self, test: &IdpTest) -> Outcome {
        if self.config.password.is_some() && needs_card(test) {
            return Outcome::new(
                Verdict::Skipped,
                "no card binding: the IdP logs users in by password ([password] in idp-sut.toml), so the card, revocation and binding tests do not apply",
            );
        }
        if let Some(skip) = self.twin_refused(test).await {
            return skip;
        }
        let b = self.browser();
        let mut o = match test.flow {
            Flow::Login {
                persona,
                fault,
                request,
            } => {
                self.set_fault(fault);
                let result = self.login(&b, 0, request, persona).await;
                self.set_fault(CaFault::None);
                match result {
                    Ok((sent, reached, card_asked)) => {
                        self.judge_login(test.judge, &sent, &reached, card_asked, request)
                    }
                    Err(e) => Outcome::new(Verdict::Failed, format!("{LOGIN_COULD_NOT_RUN}: {e}")),
                }
            }
            Flow::SsoAcrossSps => self.sso_across_sps(&b).await,
            Flow::StableNameId => self.stable_name_id(&b).await,
            Flow::ForceAuthnAfterSso => self.force_authn(&b).await,
            Flow::ChallengeReplayed => self.challenge_replayed(&b).await,
            Flow::AnswerFromOtherBrowser => self.other_browser(&b).await,
            Flow::OtherTransaction => self.other_transaction(&b).await,
            Flow::RenewedCard => self.renewed_card(&b).await,
            Flow::RenewedCardLinksDown => self.renewed_card_links_down(&b).await,
            Flow::TlsLogin(persona) => self.tls_login(&b, persona, test.judge).await,
            Flow::SignatureOverOtherBytes => self.other_bytes(&b).await,
            Flow::ExpiredChallenge => self.expired_challenge(&b).await,
            Flow::RefusedCardReported => self.refusal_reported(&b).await,
            Flow::PageFraming => self.page_framing(&b).await,
            Flow::SingleLogout => self.single_logout(&b).await,
            Flow::CookieFlags => self.cookie_flags(&b).await,
            Flow::SessionFixation => self.session_fixation(&b).await,
            Flow::ResponseNotCached => self.response_not_cached(&b).await,
            Flow::CertificateToPlatform => self.certificate_released(&b, 0).await,
            Flow::CertificateNotToSp => self.certificate_released(&b, 1).await,
        };
        o.evidence.splice(0..0, b.take_evidence());
        o
    }

    /// A refusal proves nothing when the same shape without the defect is refused too: the
    /// wrapped POST request runs only if the IdP answers a signed POST request.
    async fn twin_refused(&self, test: &IdpTest) -> Option<Outcome> {
        let twin = match test.flow {
            Flow::Login {
                request: Request::PostWrapped,
                ..
            } => {
                if self.idp.sso_post_url.is_none() {
                    return Some(Outcome::new(Verdict::Skipped, "the IdP's metadata has no HTTP-POST SingleSignOnService to send the wrapped request to (req-post-signed reports it)"));
                }
                "req-post-signed"
            }
            Flow::TlsLogin(p) if p != PersonaId::Valid && self.config.tls_binding.is_some() => {
                "bind-tls-valid"
            }
            _ => return None,
        };
        let twin = IDP_TESTS.iter().find(|t| t.id == twin)?;
        let o = Box::pin(self.run_test(twin)).await;
        (o.verdict != Verdict::Passed).then(|| {
            let mut skip = Outcome::new(
                Verdict::Skipped,
                format!("inconclusive: the same shape without the defect ({}) is not accepted either ({}), so a refusal here would say nothing", twin.id, o.why),
            );
            skip.evidence = o.evidence;
            skip
        })
    }

    fn judge_login(
        &self,
        judge: IdpJudge,
        sent: &Sent,
        reached: &Reached,
        card_asked: bool,
        request: Request,
    ) -> Outcome {
        let mut o = match (judge, reached) {
            (IdpJudge::MustSucceed | IdpJudge::MustMeetProfile | IdpJudge::MustBeSchemaValid, Reached::Refused(why)) => {
                Outcome::new(Verdict::Failed, format!("no Response: {why}"))
            }
            (IdpJudge::MustSucceed | IdpJudge::MustMeetProfile | IdpJudge::MustBeSchemaValid, Reached::Response { url, xml, relay_state }) => {
                match self.verify(0, sent, url, xml) {
                    Err(e) => Outcome::new(Verdict::Failed, e),
                    Ok(_) if request == Request::RelayStateMarkup
                        && relay_state.as_deref() != Some(MARKUP_RELAY) =>
                    {
                        Outcome::new(Verdict::Failed, format!("the RelayState came back as {}, not as sent: markup in it was not escaped in the form", quoted_or(relay_state.as_deref(), "nothing")))
                    }
                    Ok(a) if judge == IdpJudge::MustBeSchemaValid => match super::schema::validate(xml) {
                        Ok(Ok(())) => Outcome::new(Verdict::Passed, format!("valid against the SAML 2.0 schemas (NameID {})", a.name_id)),
                        Ok(Err(said)) => Outcome::new(Verdict::Failed, format!("not valid against the SAML 2.0 schemas: {said}")),
                        Err(e) => Outcome::new(Verdict::Skipped, e.to_string()),
                    },
                    Ok(a) if judge == IdpJudge::MustMeetProfile => match profile_checks(&a) {
                        Ok(()) => Outcome::new(Verdict::Passed, format!("a persistent NameID {}, a SessionIndex, the channel and authority attributes", a.name_id)),
                        Err(e) => Outcome::new(Verdict::Failed, e),
                    },
                    Ok(a) => Outcome::new(Verdict::Passed, format!("a Response a strict SP accepts, for NameID {}", a.name_id)),
                }
            }
            (IdpJudge::MustRefuse, Reached::Refused(why)) => {
                Outcome::new(Verdict::Passed, format!("refused: {why}"))
            }
            (IdpJudge::MustRefuseWithError, Reached::Refused(why)) if server_error(why) => Outcome::new(
                Verdict::Warning,
                format!("refused, but with a server error: the profile wants a specific error, never a crash (TF-IDP-015): {why}"),
            ),
            (IdpJudge::MustRefuseWithError, Reached::Refused(why)) => {
                Outcome::new(Verdict::Passed, format!("refused: {why}"))
            }
            (IdpJudge::MustRefuse | IdpJudge::MustRefuseWithError | IdpJudge::MustNotPostElsewhere | IdpJudge::MustAnswerNoPassive | IdpJudge::MustAnswerNoAuthnContext, Reached::Response { url, xml, .. }) => {
                self.judge_answer(judge, sent, url, xml, card_asked)
            }
            (IdpJudge::MustNotPostElsewhere | IdpJudge::MustShowErrorPage, Reached::Refused(why)) => {
                Outcome::new(Verdict::Passed, format!("refused: {why}"))
            }
            (IdpJudge::MustShowErrorPage, Reached::Response { url, xml, .. }) => Outcome::new(
                Verdict::Failed,
                format!(
                    "the IdP sent a Response ({}) to {url} for a requester no metadata names: an error page was due (TF-IDP-002)",
                    response_status(xml)
                ),
            ),
            (IdpJudge::MustAnswerNoPassive, Reached::Refused(why)) => Outcome::new(
                Verdict::Failed,
                format!("no NoPassive Response to the SP (TF-IDP-012): {why}"),
            ),
            (IdpJudge::MustAnswerNoAuthnContext, Reached::Refused(why)) => Outcome::new(
                Verdict::Failed,
                format!("no NoAuthnContext Response to the SP (TF-IDP-009, TF-IDP-014): {why}"),
            ),
            (IdpJudge::Flow, _) => Outcome::new(Verdict::Failed, "internal: a flow test judged as a login"),
        };
        if card_asked && judge == IdpJudge::MustAnswerNoPassive && o.verdict == Verdict::Passed {
            o = Outcome::new(
                Verdict::Failed,
                "the IdP showed its login page for an IsPassive request",
            );
        }
        o
    }

    /// A Response reached the suite where the test wants none, or only an error.
    fn judge_answer(
        &self,
        judge: IdpJudge,
        sent: &Sent,
        url: &str,
        xml: &str,
        card_asked: bool,
    ) -> Outcome {
        let status = response_status(xml);
        let registered = url == self.suite.sps[0].acs_url;
        match judge {
            IdpJudge::MustNotPostElsewhere if !registered => Outcome::new(
                Verdict::Failed,
                format!("the IdP posted a Response ({status}) to {url}, an ACS the SP's metadata does not list"),
            ),
            IdpJudge::MustNotPostElsewhere => Outcome::new(
                Verdict::Warning,
                format!("the Response ({status}) went to the SP's registered ACS, not the one the request named; the profile wants an error page (TF-IDP-003)"),
            ),
            IdpJudge::MustAnswerNoPassive if status.ends_with("NoPassive") && !card_asked => {
                match self.verify(0, sent, url, xml) {
                    // An error Response carries no assertion: only its signature and
                    // addressing are checked here.
                    Err(_) if signed_error(xml, &self.idp.certs) => Outcome::new(
                        Verdict::Passed,
                        format!("a signed Response with status {status}, no login page"),
                    ),
                    _ => Outcome::new(Verdict::Failed, format!("a Response with status {status}, but not signed with the IdP's key (TF-IDP-014)")),
                }
            }
            IdpJudge::MustAnswerNoPassive => Outcome::new(
                Verdict::Failed,
                format!("the answer to IsPassive without a session was a Response with status {status}, not NoPassive"),
            ),
            IdpJudge::MustAnswerNoAuthnContext if status.ends_with("NoAuthnContext") => {
                if signed_error(xml, &self.idp.certs) {
                    Outcome::new(Verdict::Passed, format!("a signed Response with status {status}"))
                } else {
                    Outcome::new(Verdict::Failed, format!("a Response with status {status}, but not signed with the IdP's key (TF-IDP-014)"))
                }
            }
            IdpJudge::MustAnswerNoAuthnContext if status == status::SUCCESS => Outcome::new(
                Verdict::Failed,
                format!(
                    "the IdP logged the user in, asserting {}, although the SP asked for exactly a class it cannot give: an SP relying on the class it asked for is given another (TF-IDP-009 wants NoAuthnContext)",
                    class_asserted(xml)
                ),
            ),
            IdpJudge::MustAnswerNoAuthnContext => Outcome::new(
                Verdict::Failed,
                format!("the answer to a request for a class the IdP cannot give was a Response with status {status}, not NoAuthnContext (TF-IDP-009)"),
            ),
            _ if status == status::SUCCESS => match self.verify(0, sent, url, xml) {
                Ok(a) => Outcome::new(
                    Verdict::Failed,
                    format!("the IdP issued a Success Response a strict SP accepts (NameID {}) for a login it must refuse", a.name_id),
                ),
                Err(e) => Outcome::new(
                    Verdict::Failed,
                    format!("the IdP issued a Success Response for a login it must refuse ({e})"),
                ),
            },
            _ => Outcome::new(
                Verdict::Passed,
                format!("refused with a Response to {url}, status {status}"),
            ),
        }
    }

    /// A successful login at SP `sp` in `b`; its NameID and whether the card was asked.
    async fn good_login(
        &self,
        b: &Browser,
        sp: usize,
        change: Request,
    ) -> Result<(String, bool), String> {
        self.verified_login(b, sp, change)
            .await
            .map(|(a, asked)| (a.name_id, asked))
    }

    /// The same, with the whole assertion.
    async fn verified_login(
        &self,
        b: &Browser,
        sp: usize,
        change: Request,
    ) -> Result<(VerifiedAssertion, bool), String> {
        let (sent, reached, card_asked) = self.login(b, sp, change, PersonaId::Valid).await?;
        match reached {
            Reached::Response { url, xml, .. } => {
                self.verify(sp, &sent, &url, &xml).map(|a| (a, card_asked))
            }
            Reached::Refused(why) => Err(format!("no Response: {why}")),
        }
    }

    async fn sso_across_sps(&self, b: &Browser) -> Outcome {
        let (a, _) = match self.good_login(b, 0, Request::Good).await {
            Ok(x) => x,
            Err(e) => return Outcome::new(Verdict::Failed, format!("the login at SP a: {e}")),
        };
        match self.good_login(b, 1, Request::Good).await {
            Err(e) => Outcome::new(
                Verdict::Failed,
                format!("after a login at SP a, SP b got {e}"),
            ),
            Ok((_, true)) => Outcome::new(
                Verdict::Failed,
                "SP b's login asked to log in again (card or password): no SSO session (TF-IDP-010)",
            ),
            Ok((b_id, false)) if b_id == a => Outcome::new(
                Verdict::Failed,
                format!("the same NameID {a} at both SPs: not pairwise (TF-IDP-008)"),
            ),
            Ok((b_id, false)) => Outcome::new(
                Verdict::Passed,
                format!("SSO without logging in again; NameID {a} at SP a, {b_id} at SP b"),
            ),
        }
    }

    async fn stable_name_id(&self, b: &Browser) -> Outcome {
        let first = self.good_login(b, 0, Request::Good).await;
        let b2 = self.browser();
        let second = self.good_login(&b2, 0, Request::Good).await;
        let mut o = match (first, second) {
            (Ok((x, _)), Ok((y, _))) if x == y => {
                Outcome::new(Verdict::Passed, format!("NameID {x} both times"))
            }
            (Ok((x, _)), Ok((y, _))) => Outcome::new(
                Verdict::Failed,
                format!("one person, one SP, two NameIDs: {x} then {y} (TF-IDP-008)"),
            ),
            (Err(e), _) | (_, Err(e)) => {
                Outcome::new(Verdict::Failed, format!("a login failed: {e}"))
            }
        };
        o.evidence = b2.take_evidence();
        o
    }

    async fn force_authn(&self, b: &Browser) -> Outcome {
        if let Err(e) = self.good_login(b, 0, Request::Good).await {
            return Outcome::new(Verdict::Failed, format!("the login at SP a: {e}"));
        }
        match self.good_login(b, 1, Request::ForceAuthn).await {
            Ok((_, true)) => Outcome::new(
                Verdict::Passed,
                "the login (card or password) was asked again, and the Response is good",
            ),
            Ok((_, false)) => Outcome::new(
                Verdict::Failed,
                "ForceAuthn answered from the SSO session, without logging in again (TF-IDP-011)",
            ),
            Err(e) => Outcome::new(Verdict::Failed, format!("the ForceAuthn login: {e}")),
        }
    }

    /// Logins at SP a and (by SSO) at SP b; SP a logs out: the IdP must log the user out
    /// of SP b (a signed LogoutRequest for b's NameID), answer SP a once b confirmed, and
    /// end its own session (the next login asks to log in again) (TF-IDP-013).
    async fn single_logout(&self, b: &Browser) -> Outcome {
        let fail = |why: String| Outcome::new(Verdict::Failed, why);
        let Some(idp_slo) = self.idp.slo_url.clone() else {
            return fail("the IdP's metadata has no HTTP-Redirect SingleLogoutService (TF-IDP-001, TF-IDP-013)".into());
        };
        let (at_a, at_b) = match (
            self.verified_login(b, 0, Request::Good).await,
            self.verified_login(b, 1, Request::Good).await,
        ) {
            (Ok((a, _)), Ok((bb, _))) => (a, bb),
            (Err(e), _) | (_, Err(e)) => return fail(format!("the logins before the logout: {e}")),
        };
        let (sps, idp) = (&self.suite.sps, &self.idp);
        let (request_id, url) = match super::slo::request_url(
            &idp_slo,
            &idp.entity_id,
            &sps[0],
            &at_a.name_id,
            at_a.session_index.as_deref(),
        ) {
            Ok(x) => x,
            Err(e) => {
                return Outcome::new(
                    Verdict::Skipped,
                    format!("the suite could not make its LogoutRequest (a suite bug): {e}"),
                )
            }
        };
        let at = match self.follow_logout(b, &url).await {
            Ok(u) => u,
            Err(e) => return fail(format!("after SP a's LogoutRequest: {e}")),
        };
        use super::slo::{read, Received};
        let (asked, relay) = match read(&at, &sps[1], &idp.entity_id, &idp.certs) {
            Ok(Received::Request(r, relay)) => (r, relay),
            Ok(Received::Response(_)) => return fail("the IdP answered SP a without logging the user out of SP b, where the same session logged them in (TF-IDP-013)".into()),
            Err(_) if read(&at, &sps[0], &idp.entity_id, &idp.certs).is_ok() => return fail("the IdP answered SP a without logging the user out of SP b, where the same session logged them in (TF-IDP-013)".into()),
            Err(e) => return fail(format!("the IdP's LogoutRequest to SP b: {e}")),
        };
        if asked.name_id != at_b.name_id {
            return fail(format!(
                "the LogoutRequest to SP b names {}, not the NameID SP b was given ({})",
                asked.name_id, at_b.name_id
            ));
        }
        let answer = match super::slo::response_url(&idp_slo, &sps[1], &asked.id, relay.as_deref())
        {
            Ok(u) => u,
            Err(e) => {
                return Outcome::new(
                    Verdict::Skipped,
                    format!("the suite could not make SP b's LogoutResponse (a suite bug): {e}"),
                )
            }
        };
        let at = match self.follow_logout(b, &answer).await {
            Ok(u) => u,
            Err(e) => return fail(format!("after SP b's LogoutResponse: {e}")),
        };
        match read(&at, &sps[0], &idp.entity_id, &idp.certs) {
            Ok(Received::Response(r))
                if r.in_response_to.as_deref() != Some(request_id.as_str()) =>
            {
                return fail(format!(
                    "the LogoutResponse to SP a answers {}, not its request {request_id}",
                    quoted_or(r.in_response_to.as_deref(), "no request (no InResponseTo)")
                ))
            }
            Ok(Received::Response(r)) if r.status != status::SUCCESS => {
                return fail(format!(
                    "the LogoutResponse to SP a says {} though SP b confirmed",
                    r.status
                ))
            }
            Ok(Received::Response(_)) => {}
            Ok(Received::Request(..)) => {
                return fail("a LogoutRequest to SP a, which started the logout".into())
            }
            Err(e) => return fail(format!("the IdP's LogoutResponse to SP a: {e}")),
        }
        match self.login(b, 0, Request::Good, PersonaId::Valid).await {
            Ok((_, _, true)) => Outcome::new(Verdict::Passed, format!("SP b was sent a signed LogoutRequest for {}, SP a a signed Success LogoutResponse, and the next login asked to log in again", asked.name_id)),
            Ok((_, _, false)) => fail("after the logout the IdP still logged the user in without asking: its session survived (TF-IDP-013)".into()),
            Err(e) => fail(format!("the login after the logout: {e}")),
        }
    }

    /// Follows `url` until the browser is about to reach one of the suite's SPs: that URL.
    async fn follow_logout(&self, b: &Browser, url: &str) -> Result<url::Url, String> {
        match b
            .get_until(url, &self.stop())
            .await
            .map_err(|e| e.to_string())?
        {
            user_agent::Navigation::Stopped { url, .. } => Ok(url),
            user_agent::Navigation::Page(p) => Err(format!(
                "the IdP showed a page (HTTP {}): {}",
                p.status,
                login::page_text(&p.body)
            )),
        }
    }

    /// The first page of a login in a fresh browser forbids framing (TF-IDP-018).
    async fn page_framing(&self, b: &Browser) -> Outcome {
        let sent = match self.request(0, Request::Good) {
            Ok(s) => s,
            Err(e) => return Outcome::new(Verdict::Failed, e),
        };
        let page = match login::start(b, &sent.url, &self.stop()).await {
            Ok(Started::LoginPage(at)) => at.page,
            Ok(Started::Page(p)) => p,
            other => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("no login page for a fresh browser: {}", ended(&other)),
                )
            }
        };
        match super::pages::framing(&page) {
            Ok(how) => Outcome::new(
                Verdict::Passed,
                format!("the login page forbids framing: {how}"),
            ),
            Err(why) => Outcome::new(Verdict::Failed, why),
        }
    }

    /// A whole login; every cookie the IdP set is HttpOnly, and Secure over https.
    async fn cookie_flags(&self, b: &Browser) -> Outcome {
        if let Err(e) = self.good_login(b, 0, Request::Good).await {
            return Outcome::new(Verdict::Failed, format!("the login: {e}"));
        }
        let https = self.idp.origin.starts_with("https:");
        match super::pages::cookie_flags(&self.idp_cookie_lines(b), https) {
            Ok(summary) => Outcome::new(Verdict::Passed, summary),
            Err(why) => Outcome::new(Verdict::Failed, why),
        }
    }

    /// A whole login; the IdP's page that carried the Response to the browser may not be
    /// cached (TF-IDP-020, a SHOULD: WARNING when it may).
    async fn response_not_cached(&self, b: &Browser) -> Outcome {
        if let Err(e) = self.good_login(b, 0, Request::Good).await {
            return Outcome::new(Verdict::Failed, format!("the login: {e}"));
        }
        let page = b
            .saml_post_pages()
            .into_iter()
            .rev()
            .find(|p| p.url.starts_with(&self.idp.origin));
        let Some(page) = page else {
            return Outcome::new(
                Verdict::Failed,
                "the Response did not come from an auto-submitted form of the IdP (HTTP-POST binding, TF-IDP-009)",
            );
        };
        match super::pages::not_cached(&page) {
            Ok(how) => Outcome::new(Verdict::Passed, how),
            Err(why) => Outcome::new(Verdict::Warning, why),
        }
    }

    /// The Set-Cookie lines the IdP sent to `b`.
    fn idp_cookie_lines(&self, b: &Browser) -> Vec<String> {
        b.cookies_set()
            .into_iter()
            .filter(|(u, _)| u.origin().ascii_serialization() == self.idp.origin)
            .map(|(_, line)| line)
            .collect()
    }

    /// The names of the cookies the IdP set in `b` (deletions aside).
    fn idp_cookie_names(&self, b: &Browser) -> Vec<String> {
        let mut names: Vec<String> = self
            .idp_cookie_lines(b)
            .into_iter()
            .filter(|line| !line.to_ascii_lowercase().contains("max-age=0"))
            .filter_map(|line| {
                let (name, value) = line.split(';').next()?.split_once('=')?;
                (!value.trim().is_empty()).then(|| name.trim().to_owned())
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Session fixation (TF-IDP-019): an attacker's browser opens the login page (the
    /// identifiers the IdP issues before a login) and adds values of its own choosing for
    /// the other cookies the IdP uses in a login; all are planted in the victim's browser,
    /// which logs in. The attacker's browser must then be asked to log in, not answered
    /// with the victim's session.
    async fn session_fixation(&self, b: &Browser) -> Outcome {
        if let Err(e) = self.good_login(b, 0, Request::Good).await {
            return Outcome::new(Verdict::Failed, format!("the login: {e}"));
        }
        let names = self.idp_cookie_names(b);
        let attacker = self.browser();
        let sent = match self.request(0, Request::Good) {
            Ok(s) => s,
            Err(e) => return Outcome::new(Verdict::Failed, e),
        };
        let first = login::start_sent(&attacker, &sent, &self.stop()).await;
        if !matches!(first, Ok(Started::LoginPage(_) | Started::Page(_))) {
            return Outcome::new(
                Verdict::Failed,
                format!("no login page for a fresh browser: {}", ended(&first)),
            );
        }
        let Ok(idp) = format!("{}/", self.idp.origin).parse::<url::Url>() else {
            return Outcome::new(Verdict::Failed, "the IdP's origin is not a URL");
        };
        let mut held = cookie_pairs(attacker.cookie_header(&idp).as_deref());
        for name in &names {
            if !held.iter().any(|(n, _)| n == name) {
                let chosen = hex::encode(rand::random::<[u8; 16]>());
                attacker.plant_cookie(&idp, name, &chosen);
                held.push((name.clone(), chosen));
            }
        }
        let victim = self.browser();
        for (name, value) in &held {
            victim.plant_cookie(&idp, name, value);
        }
        let planted = held
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let victim_login = self.good_login(&victim, 0, Request::Good).await;
        let mut o = match victim_login {
            Err(e) => Outcome::new(
                Verdict::Failed,
                format!("with identifiers planted by another browser ({planted}), the citizen could not log in: {e}"),
            ),
            Ok((victims, _)) => self.attacker_after(&attacker, &victims, &planted).await,
        };
        o.evidence = victim.take_evidence();
        o.evidence.extend(attacker.take_evidence());
        o
    }

    /// The attacker's browser asks SP a for a login after the victim's: answered without
    /// a login means it shares the victim's session.
    async fn attacker_after(&self, attacker: &Browser, victims: &str, planted: &str) -> Outcome {
        let sent = match self.request(0, Request::Good) {
            Ok(s) => s,
            Err(e) => return Outcome::new(Verdict::Failed, e),
        };
        match login::start_sent(attacker, &sent, &self.stop()).await {
            Ok(Started::Reached(Reached::Response { url, xml, .. }))
                if response_status(&xml) == status::SUCCESS =>
            {
                let whose = match self.verify(0, &sent, &url, &xml) {
                    Ok(a) if a.name_id == victims => "the citizen's own NameID".to_owned(),
                    Ok(a) => format!("NameID {}", a.name_id),
                    Err(e) => format!("a Response that does not verify ({e})"),
                };
                Outcome::new(
                    Verdict::Failed,
                    format!("the attacker's browser, holding only what it had before the citizen's login ({planted}), got a Success Response with {whose} without logging in: the identifiers it planted carry the citizen's session (session fixation, TF-IDP-019)"),
                )
            }
            Ok(Started::LoginPage(_) | Started::Page(_)) => Outcome::new(
                Verdict::Passed,
                format!("after the citizen's login, the browser that planted {planted} was asked to log in: the session identifier is new"),
            ),
            Ok(Started::Reached(r)) => Outcome::new(
                Verdict::Passed,
                format!("after the citizen's login, the browser that planted {planted} got no session: {}", describe(&r)),
            ),
            // Nothing judged: the IdP did not answer the attacker's request as a browser sees it.
            Err(e) => Outcome::new(
                Verdict::Failed,
                format!("after the citizen's login, the request of the browser that planted {planted} did not complete, so nothing shows its session is gone: {e}"),
            ),
        }
    }

    /// A revoked card's answer refused; the browser follows the refusal's `return` and a
    /// signed AuthnFailed Response for the request must reach SP a's ACS (TF-IDP-014).
    async fn refusal_reported(&self, b: &Browser) -> Outcome {
        let (sent, at, c) = match self.challenged_sent(b).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        let sent_id = sent.id;
        let card = self.card(PersonaId::AuthRevoked);
        let text = c["challenge"].as_str().unwrap_or_default();
        let answer = match login::sign(&card, &self.idp, text, &self.config.pin) {
            Ok(a) => a,
            Err(e) => return Outcome::new(Verdict::Failed, e),
        };
        let back =
            match login::refusal_return(b, &self.idp, &at.tx, &c, &answer, &self.stop()).await {
                Ok(r) => r,
                Err(e) => return Outcome::new(Verdict::Failed, e),
            };
        let (url, xml) = match back {
            Reached::Response { url, xml, .. } => (url, xml),
            Reached::Refused(why) => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("no Response reached the SP after the refusal (TF-IDP-014): {why}"),
                )
            }
        };
        let status = response_status(&xml);
        let about = roxmltree::Document::parse(&xml).ok().and_then(|d| {
            d.root_element()
                .attribute("InResponseTo")
                .map(str::to_owned)
        });
        if url != self.suite.sps[0].acs_url {
            Outcome::new(
                Verdict::Failed,
                format!("the Response went to {url}, not the SP's registered ACS"),
            )
        } else if status == status::SUCCESS {
            Outcome::new(
                Verdict::Failed,
                "a Success Response after the card was refused",
            )
        } else if !status.contains("AuthnFailed") {
            Outcome::new(
                Verdict::Failed,
                format!("the Response's status is {status}, not AuthnFailed (TF-IDP-014)"),
            )
        } else if about.as_deref() != Some(sent_id.as_str()) {
            Outcome::new(
                Verdict::Failed,
                format!(
                    "the Response answers {}, not the request {sent_id}",
                    quoted_or(about.as_deref(), "no request (no InResponseTo)")
                ),
            )
        } else if !signed_error(&xml, &self.idp.certs) {
            Outcome::new(
                Verdict::Failed,
                "the AuthnFailed Response is not signed with the IdP's key (TF-IDP-014)",
            )
        } else {
            Outcome::new(
                Verdict::Passed,
                format!(
                    "the card was refused and the SP got a signed Response with status {status}"
                ),
            )
        }
    }

    /// A card IdP's login for SP `sp`: the platform (a) gets the card's certificate, any
    /// other SP (b) does not (TF-CATV-001); a refusal at b is fine.
    async fn certificate_released(&self, b: &Browser, sp: usize) -> Outcome {
        use base64::Engine as _;
        use trust_framework::saml::constants::attr::CARD_CERTIFICATE;
        let card = self
            .ca
            .pki
            .persona(PersonaId::Valid)
            .card
            .auth
            .issued
            .der
            .clone();
        let (sent, reached, _) = match self.login(b, sp, Request::Good, PersonaId::Valid).await {
            Ok(x) => x,
            Err(e) => return Outcome::new(Verdict::Failed, format!("{LOGIN_COULD_NOT_RUN}: {e}")),
        };
        let (url, xml) = match (&reached, sp) {
            (Reached::Response { url, xml, .. }, _) => (url, xml),
            (Reached::Refused(why), 0) => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("no Response for the platform: {why}"),
                )
            }
            (Reached::Refused(why), _) => {
                return Outcome::new(
                    Verdict::Passed,
                    format!("refused for an SP that is not the platform: {why}"),
                )
            }
        };
        let released = |a: &VerifiedAssertion| -> Vec<Vec<u8>> {
            a.attribute(CARD_CERTIFICATE)
                .unwrap_or_default()
                .iter()
                .map(|v| {
                    base64::engine::general_purpose::STANDARD
                        .decode(v.trim())
                        .unwrap_or_default()
                })
                .collect()
        };
        match (self.verify(sp, &sent, url, xml), sp) {
            (Err(e), 0) => Outcome::new(Verdict::Failed, e),
            (Ok(a), 0) => match released(&a).as_slice() {
                [one] if *one == card => Outcome::new(
                    Verdict::Passed,
                    format!("the platform got the card's certificate ({CARD_CERTIFICATE}), NameID {}", a.name_id),
                ),
                [] => Outcome::new(Verdict::Failed, format!("the Response for the platform has no {CARD_CERTIFICATE}: the hub cannot validate the card itself")),
                _ => Outcome::new(Verdict::Failed, format!("{CARD_CERTIFICATE} is not exactly the certificate of the card that logged in")),
            },
            // Whatever a strict SP makes of it: the certificate must not be in it.
            (_, _) if xml.contains(CARD_CERTIFICATE) => Outcome::new(
                Verdict::Failed,
                format!("the Response to {url}, an SP not registered as the platform, carries the card's certificate ({CARD_CERTIFICATE})"),
            ),
            (Ok(a), _) => Outcome::new(Verdict::Passed, format!("a Response without the card's certificate, NameID {}", a.name_id)),
            (Err(e), _) => Outcome::new(Verdict::Passed, format!("no certificate released ({e})")),
        }
    }

    /// A fresh login at SP a up to its challenge: the login page's transaction and the
    /// challenge the IdP issued to `b`.
    async fn challenged(
        &self,
        b: &Browser,
    ) -> Result<(login::AtLoginPage, serde_json::Value), Outcome> {
        self.challenged_sent(b).await.map(|(_, at, c)| (at, c))
    }

    /// The same, with the AuthnRequest sent.
    async fn challenged_sent(
        &self,
        b: &Browser,
    ) -> Result<(Sent, login::AtLoginPage, serde_json::Value), Outcome> {
        let fail = |why: String| Outcome::new(Verdict::Failed, why);
        let sent = self.request(0, Request::Good).map_err(fail)?;
        let at = match login::start(b, &sent.url, &self.stop()).await {
            Ok(Started::LoginPage(at)) => at,
            other => {
                return Err(fail(format!(
                    "no login page for a fresh browser: {}",
                    ended(&other)
                )))
            }
        };
        let c = login::challenge(b, &self.idp, &at.tx).await.map_err(fail)?;
        Ok((sent, at, c))
    }

    /// The valid card's answer to the challenge `c`.
    fn answered(&self, c: &serde_json::Value) -> Result<serde_json::Value, Outcome> {
        let card = self.card(PersonaId::Valid);
        let text = c["challenge"].as_str().unwrap_or_default();
        login::sign(&card, &self.idp, text, &self.config.pin)
            .map_err(|e| Outcome::new(Verdict::Failed, e))
    }

    /// A finished login's answer posted again: in its own transaction, then in a new one.
    async fn challenge_replayed(&self, b: &Browser) -> Outcome {
        let (at, c) = match self.challenged(b).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        let answer = match self.answered(&c) {
            Ok(a) => a,
            Err(o) => return o,
        };
        match login::finish(b, &self.idp, &at.tx, &c, &answer, &self.stop()).await {
            Ok(Reached::Response { .. }) => {}
            other => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("the first login did not finish: {}", ended(&other)),
                )
            }
        }
        // Again, in the same transaction.
        let again = login::finish(b, &self.idp, &at.tx, &c, &answer, &self.stop()).await;
        if let Ok(Reached::Response { xml, .. }) = &again {
            if response_status(xml) == status::SUCCESS {
                return Outcome::new(
                    Verdict::Failed,
                    "the same answer was accepted twice in its own transaction (TF-BIND-002)",
                );
            }
        }
        // In a new login, from a fresh browser.
        let b2 = self.browser();
        let sent2 = match self.request(0, Request::Good) {
            Ok(s) => s,
            Err(e) => return Outcome::new(Verdict::Failed, e),
        };
        let at2 = match login::start(&b2, &sent2.url, &self.stop()).await {
            Ok(Started::LoginPage(at)) => at,
            other => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("no login page for the second login: {}", ended(&other)),
                )
            }
        };
        let replay = login::finish(&b2, &self.idp, &at2.tx, &c, &answer, &self.stop()).await;
        let mut o = match replay {
            Ok(Reached::Response { xml, url, .. }) if response_status(&xml) == status::SUCCESS => Outcome::new(
                Verdict::Failed,
                format!("another login's challenge and signature opened a new login (a Success Response to {url}; TF-BIND-002)"),
            ),
            Ok(r) => Outcome::new(Verdict::Passed, format!("refused both times: {}", describe(&r))),
            Err(e) => Outcome::new(Verdict::Passed, format!("refused both times: {e}")),
        };
        o.evidence = b2.take_evidence();
        o
    }

    /// A login through the IdP's TLS binding with `persona`'s card, judged as a login.
    async fn tls_login(&self, b: &Browser, persona: PersonaId, judge: IdpJudge) -> Outcome {
        let Some(tls) = &self.config.tls_binding else {
            return Outcome::new(Verdict::Skipped, "the IdP offers no TLS client-authentication binding (TF-BIND-006 is a MAY): give [tls_binding] in idp-sut.toml if it does");
        };
        let ca = match std::fs::read(&tls.ca) {
            Ok(bytes) => pem_or_der(&bytes),
            Err(e) => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("the TLS binding's CA {}: {e}", tls.ca.display()),
                )
            }
        };
        let card = Arc::new(self.card(persona));
        let config = match cardholder::tls::client_config(card, &self.config.pin, &[ca]) {
            Ok(c) => c,
            Err(e) => {
                return Outcome::new(
                    Verdict::Skipped,
                    format!("the suite could not set up the card as a TLS key (a suite bug): {e}"),
                )
            }
        };
        let (sent, at) = match self.challenged_sent(b).await {
            Ok((sent, at, _)) => (sent, at),
            Err(o) => return o,
        };
        match login::tls_login(b, &at, &tls.url, config, &self.stop()).await {
            Ok(reached) => self.judge_login(judge, &sent, &reached, true, Request::Good),
            Err(e) => Outcome::new(Verdict::Failed, format!("the TLS login could not run: {e}")),
        }
    }

    /// The renewed persona's card logs in; the suite's CA then renews it (a new card, the
    /// old one superseded, the link recorded); the new card must get the same NameID at
    /// the same SP (TF-PKI-008, TF-IDP-008).
    async fn renewed_card(&self, b: &Browser) -> Outcome {
        let verified = |r: Result<(Sent, Reached, bool), String>| match r? {
            (sent, Reached::Response { url, xml, .. }, _) => self.verify(0, &sent, &url, &xml),
            (_, Reached::Refused(why), _) => Err(format!("no Response: {why}")),
        };
        let before = match verified(self.login(b, 0, Request::Good, PersonaId::Renewed).await) {
            Ok(a) => a.name_id,
            Err(e) => {
                return Outcome::new(Verdict::Failed, format!("the card before its renewal: {e}"))
            }
        };
        let renewed = match self.ca.pki.renew_now(PersonaId::Renewed) {
            Ok(p) => p,
            Err(e) => {
                return Outcome::new(
                    Verdict::Skipped,
                    format!("the suite's CA could not renew the card (a suite bug): {e}"),
                )
            }
        };
        let b2 = self.browser();
        let after = verified(
            self.login_with(&b2, 0, Request::Good, || Card::new(renewed.card_image()))
                .await,
        );
        let mut o = match after {
            Ok(a) if a.name_id == before => Outcome::new(Verdict::Passed, format!("NameID {before} before and after the renewal")),
            Ok(a) => Outcome::new(Verdict::Failed, format!("the renewed card got NameID {}, the old one {before}: the person was split in two (TF-PKI-008, TF-IDP-008)", a.name_id)),
            Err(e) => Outcome::new(Verdict::Failed, format!("the renewed card: {e}")),
        };
        o.evidence = b2.take_evidence();
        o
    }

    /// As [`Self::renewed_card`] with another persona, the CA's renewal links down at the new
    /// card's first login: refusing it is fine, a new NameID is not (the person split),
    /// and once the links are back the new card must get the old NameID (TF-PKI-008).
    async fn renewed_card_links_down(&self, b: &Browser) -> Outcome {
        const WHO: PersonaId = PersonaId::NoSignCert;
        let verified = |r: Result<(Sent, Reached, bool), String>| match r? {
            (sent, Reached::Response { url, xml, .. }, _) => {
                self.verify(0, &sent, &url, &xml).map(Some)
            }
            (_, Reached::Refused(_), _) => Ok(None),
        };
        let before = match verified(self.login(b, 0, Request::Good, WHO).await) {
            Ok(Some(a)) => a.name_id,
            Ok(None) => {
                return Outcome::new(Verdict::Failed, "the card before its renewal was refused")
            }
            Err(e) => {
                return Outcome::new(Verdict::Failed, format!("the card before its renewal: {e}"))
            }
        };
        let renewed = match self.ca.pki.renew_now(WHO) {
            Ok(p) => p,
            Err(e) => {
                return Outcome::new(
                    Verdict::Skipped,
                    format!("the suite's CA could not renew the card (a suite bug): {e}"),
                )
            }
        };
        self.ca.faults.set_links_down(true);
        let b2 = self.browser();
        let during = verified(
            self.login_with(&b2, 0, Request::Good, || Card::new(renewed.card_image()))
                .await,
        );
        self.ca.faults.set_links_down(false);
        let b3 = self.browser();
        let after = verified(
            self.login_with(&b3, 0, Request::Good, || Card::new(renewed.card_image()))
                .await,
        );
        let mut o = match (during, after) {
            (Ok(Some(d)), _) if d.name_id != before => Outcome::new(Verdict::Failed, format!("with the CA's renewal links unreachable, the renewed card was logged in as a new person (NameID {}, the old card's {before}) instead of being refused (TF-PKI-008)", d.name_id)),
            (Err(e), _) => Outcome::new(Verdict::Failed, format!("the renewed card while the links were down: {e}")),
            (d, Ok(Some(a))) if a.name_id == before => {
                let during = if matches!(d, Ok(None)) { "refused" } else { "the same person" };
                Outcome::new(Verdict::Passed, format!("{during} while the links were down; NameID {before} once they were back"))
            }
            (_, Ok(Some(a))) => Outcome::new(Verdict::Failed, format!("once the renewal links were back, the renewed card got NameID {}, the old one {before}: the person stayed split (TF-PKI-008)", a.name_id)),
            (_, Ok(None)) => Outcome::new(Verdict::Failed, "once the renewal links were back, the renewed card was still refused"),
            (_, Err(e)) => Outcome::new(Verdict::Failed, format!("the renewed card once the links were back: {e}")),
        };
        o.evidence = b2.take_evidence();
        o.evidence.extend(b3.take_evidence());
        o
    }

    /// Two logins in one browser: the first's challenge, signed, posted in the second.
    async fn other_transaction(&self, b: &Browser) -> Outcome {
        let (_, c1) = match self.challenged(b).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        let (at2, _) = match self.challenged(b).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        let answer = match self.answered(&c1) {
            Ok(a) => a,
            Err(o) => return o,
        };
        match login::finish(b, &self.idp, &at2.tx, &c1, &answer, &self.stop()).await {
            Ok(Reached::Response { xml, url, .. }) if response_status(&xml) == status::SUCCESS => Outcome::new(
                Verdict::Failed,
                format!("another login's challenge finished this one (a Success Response to {url}): challenges are not bound to their login transaction (TF-BIND-002)"),
            ),
            Ok(r) => Outcome::new(Verdict::Passed, format!("refused: {}", describe(&r))),
            Err(e) => Outcome::new(Verdict::Passed, format!("refused: {e}")),
        }
    }

    /// The challenge asked for by one browser, answered by another.
    async fn other_browser(&self, b: &Browser) -> Outcome {
        let (at, c) = match self.challenged(b).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        let answer = match self.answered(&c) {
            Ok(a) => a,
            Err(o) => return o,
        };
        let other = self.browser();
        let r = login::finish(&other, &self.idp, &at.tx, &c, &answer, &self.stop()).await;
        let mut o = match r {
            Ok(Reached::Response { xml, url, .. }) if response_status(&xml) == status::SUCCESS => Outcome::new(
                Verdict::Failed,
                format!("a browser that never started this login finished it and carried a Success Response to {url}: the login transaction is not bound to the browser that started it"),
            ),
            Ok(r) => Outcome::new(Verdict::Passed, format!("the other browser was refused: {}", describe(&r))),
            Err(e) => Outcome::new(Verdict::Passed, format!("the other browser was refused: {e}")),
        };
        o.evidence = other.take_evidence();
        o
    }

    /// The card answers at once; the answer is posted once the challenge has expired.
    async fn expired_challenge(&self, b: &Browser) -> Outcome {
        let (at, c) = match self.challenged(b).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        let text = c["challenge"].as_str().unwrap_or_default();
        let expires = match trust_framework::binding::Challenge::parse(text) {
            Ok(ch) => ch.expires,
            Err(e) => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("the challenge does not parse (TF-BIND-001): {e}"),
                )
            }
        };
        let left = expires - time::OffsetDateTime::now_utc();
        if left > time::Duration::seconds(15) {
            return Outcome::new(
                Verdict::Skipped,
                format!("the challenge expires in {} s: longer than a run waits (give the IdP a test configuration with a shorter challenge lifetime to run this)", left.whole_seconds()),
            );
        }
        let wait = left + time::Duration::milliseconds(1500);
        let answer = match self.answered(&c) {
            Ok(a) => a,
            Err(o) => return o,
        };
        tokio::time::sleep(wait.try_into().unwrap_or_default()).await;
        match login::finish(b, &self.idp, &at.tx, &c, &answer, &self.stop()).await {
            Ok(Reached::Response { xml, url, .. }) if response_status(&xml) == status::SUCCESS => Outcome::new(
                Verdict::Failed,
                format!("an answer posted after the challenge expired was accepted (a Success Response to {url}; TF-BIND-003)"),
            ),
            Ok(r) => Outcome::new(Verdict::Passed, format!("refused after expiry: {}", describe(&r))),
            Err(e) => Outcome::new(Verdict::Passed, format!("refused after expiry: {e}")),
        }
    }

    /// The card signs a challenge text with one byte of its nonce changed.
    async fn other_bytes(&self, b: &Browser) -> Outcome {
        let (at, c) = match self.challenged(b).await {
            Ok(x) => x,
            Err(o) => return o,
        };
        let text = c["challenge"].as_str().unwrap_or_default();
        let Some(other) = other_nonce(text) else {
            return Outcome::new(
                Verdict::Failed,
                "the challenge has no nonce line to change (TF-BIND-001)",
            );
        };
        let card = self.card(PersonaId::Valid);
        let answer = match login::sign(&card, &self.idp, &other, &self.config.pin) {
            Ok(a) => a,
            // The altered text is the suite's own: its failure says nothing of the IdP.
            Err(e) => {
                return Outcome::new(
                    Verdict::Skipped,
                    format!(
                        "the suite could not have the altered challenge signed (a suite bug): {e}"
                    ),
                )
            }
        };
        match login::finish(b, &self.idp, &at.tx, &c, &answer, &self.stop()).await {
            Ok(Reached::Response { xml, url, .. }) if response_status(&xml) == status::SUCCESS => Outcome::new(
                Verdict::Failed,
                format!("a signature over other bytes than the challenge was accepted (a Success Response to {url}; TF-BIND-004)"),
            ),
            Ok(r) => Outcome::new(Verdict::Passed, format!("refused: {}", describe(&r))),
            Err(e) => Outcome::new(Verdict::Passed, format!("refused: {e}")),
        }
    }
}

/// DER from a PEM certificate, or the bytes as they are.
fn pem_or_der(bytes: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    match user_agent::network::pem_certificates(&text)
        .into_iter()
        .next()
    {
        Some(der) => der,
        None => bytes.to_vec(),
    }
}

/// Whether a refusal was a server error page (`login` writes "(HTTP <status>)").
fn server_error(why: &str) -> bool {
    why.contains("(HTTP 5")
}

/// Whether the test needs the card binding (a card persona, a CA fault, a binding attack).
fn needs_card(test: &IdpTest) -> bool {
    match test.flow {
        Flow::Login { persona, fault, .. } => persona != PersonaId::Valid || fault != CaFault::None,
        Flow::ChallengeReplayed
        | Flow::RenewedCard
        | Flow::RenewedCardLinksDown
        | Flow::TlsLogin(_)
        | Flow::OtherTransaction
        | Flow::AnswerFromOtherBrowser
        | Flow::SignatureOverOtherBytes
        | Flow::ExpiredChallenge => true,
        Flow::CertificateToPlatform | Flow::CertificateNotToSp | Flow::RefusedCardReported => true,
        Flow::SsoAcrossSps
        | Flow::StableNameId
        | Flow::ForceAuthnAfterSso
        | Flow::PageFraming
        | Flow::CookieFlags
        | Flow::SessionFixation
        | Flow::ResponseNotCached
        | Flow::SingleLogout => false,
    }
}

/// What the profile asks of an Assertion beyond what any strict SP checks: a persistent
/// NameID (TF-IDP-008), a SessionIndex (TF-IDP-010), the channel and the authenticating
/// authority as attributes (TF-IDP-016).
fn profile_checks(a: &VerifiedAssertion) -> Result<(), String> {
    use trust_framework::pairwise::NAMEID_FORMAT_PERSISTENT;
    use trust_framework::saml::constants::attr;
    if a.name_id_format.as_deref() != Some(NAMEID_FORMAT_PERSISTENT) {
        return Err(format!(
            "the NameID Format is {}, not persistent (TF-IDP-008)",
            quoted_or(a.name_id_format.as_deref(), "absent")
        ));
    }
    if a.session_index.as_deref().is_none_or(str::is_empty) {
        return Err("the AuthnStatement has no SessionIndex (TF-IDP-010)".into());
    }
    for name in [attr::AUTHN_CHANNEL, attr::AUTHENTICATING_AUTHORITY] {
        let values = a.attribute(name).unwrap_or_default();
        if values.is_empty() || values.iter().any(|v| v.trim().is_empty()) {
            return Err(format!(
                "the attribute {name} is missing or empty (TF-IDP-016)"
            ));
        }
    }
    Ok(())
}

/// The challenge text with the first character of its nonce changed (any base64url
/// character may start it; the last one carries padding bits and may not change freely).
fn other_nonce(text: &str) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let line = lines.iter_mut().find(|l| l.starts_with("nonce"))?;
    let at = line.find([':', '=', ' '])? + 1;
    let at = at + line[at..].len() - line[at..].trim_start().len();
    let first = line[at..].chars().next()?;
    line.replace_range(
        at..at + first.len_utf8(),
        if first == 'A' { "B" } else { "A" },
    );
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

/// The `name=value` pairs of a Cookie header.
fn cookie_pairs(header: Option<&str>) -> Vec<(String, String)> {
    header
        .unwrap_or_default()
        .split(';')
        .filter_map(|kv| kv.trim().split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn describe(r: &Reached) -> String {
    match r {
        Reached::Refused(why) => why.clone(),
        Reached::Response { url, xml, .. } => {
            format!("a Response with status {} to {url}", response_status(xml))
        }
    }
}

/// The top-level status of a Response (with the second level, if any), or why not.
fn response_status(xml: &str) -> String {
    let Ok(doc) = roxmltree::Document::parse(xml) else {
        return "(unreadable)".into();
    };
    let codes: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "StatusCode")
        .filter_map(|n| n.attribute("Value"))
        .collect();
    match codes.as_slice() {
        [] => "(none)".into(),
        [top] => (*top).to_owned(),
        [top, second, ..] => format!("{top} / {second}"),
    }
}

/// The AuthnContextClassRef a Response asserts, for a reason.
fn class_asserted(xml: &str) -> String {
    roxmltree::Document::parse(xml)
        .ok()
        .and_then(|doc| {
            doc.descendants()
                .find(|n| n.tag_name().name() == "AuthnContextClassRef")
                .and_then(|n| n.text())
                .map(|t| t.trim().to_owned())
        })
        .unwrap_or_else(|| "no AuthnContextClassRef".into())
}

/// Whether an error Response is signed at its root with one of the IdP's keys.
fn signed_error(xml: &str, certs: &[Vec<u8>]) -> bool {
    trust_framework::saml::signature::verify_enveloped(xml, certs).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use trust_framework::saml::sp::AttributeValues;

    fn assertion() -> VerifiedAssertion {
        let attr = |name: &str, v: &str| AttributeValues {
            name: name.into(),
            values: vec![v.into()],
        };
        VerifiedAssertion {
            assertion_id: "_a".into(),
            name_id: "n".into(),
            name_id_format: Some(trust_framework::pairwise::NAMEID_FORMAT_PERSISTENT.into()),
            session_index: Some("_s".into()),
            authn_class: None,
            not_on_or_after: time::OffsetDateTime::now_utc(),
            attributes: vec![
                attr(
                    trust_framework::saml::constants::attr::AUTHN_CHANNEL,
                    "direct",
                ),
                attr(
                    trust_framework::saml::constants::attr::AUTHENTICATING_AUTHORITY,
                    "x",
                ),
            ],
        }
    }

    #[test]
    fn the_profile_checks_can_fail() {
        assert!(profile_checks(&assertion()).is_ok());
        let mut a = assertion();
        a.session_index = None;
        assert!(profile_checks(&a).unwrap_err().contains("TF-IDP-010"));
        let mut a = assertion();
        a.name_id_format = Some("urn:oasis:names:tc:SAML:2.0:nameid-format:transient".into());
        assert!(profile_checks(&a).unwrap_err().contains("TF-IDP-008"));
        let mut a = assertion();
        a.attributes.pop();
        assert!(profile_checks(&a).unwrap_err().contains("TF-IDP-016"));
    }

    #[test]
    fn another_nonce_differs_and_stays_base64url() {
        let text = "mnctf-card-login/1\nidp:x\nendpoint:y\nnonce:AAAAbbbb\nissued:t\nexpires:u\n";
        let other = other_nonce(text).unwrap();
        assert_ne!(other, text);
        assert!(other.contains("nonce:BAAAbbbb\n"));
    }
}
