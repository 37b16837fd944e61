//! Certify a 士業 body's attribute authority (role `attribute-authority`): the suite plays
//! the professional (their card and 士業 key), the platform asking over SOAP, and the CA
//! service. A registration is judged by its effect (does the authority assert the
//! qualification for the card named afterwards?), a query by the answer a strict
//! requester reads ([`attribute_query::verify_answer`]).

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use cardholder::Card;
use mock_ca::server::RunningService;
use mock_ca::{PersonaId, Reason};
use rand::RngCore;
use reports::{Case, Report, Step, Verdict};
use rsa::pkcs8::EncodePrivateKey;
use time::OffsetDateTime;
use trust_framework::proxy;
use trust_framework::saml::attribute_query::{
    self, AttributeAssertion, AttributeQuery, QuerySubject, CM_HOLDER_OF_KEY,
    QUALIFICATION_ATTRIBUTES, STATUS_REQUEST_DENIED, STATUS_UNKNOWN_PRINCIPAL,
};
use trust_framework::saml::constants::{attr, NS_ASSERTION, NS_DSIG, NS_PROTOCOL};
use trust_framework::saml::metadata::parse_entities;
use trust_framework::saml::{signature, xml};
use user_agent::{Browser, Parties};

use super::authority_plan::{
    AaFlow, AaJudge, AaTest, Attempt, Nonce, Query, AA_TESTS, PROFESSIONAL,
};
use super::config::{IdpSutConfig, SuiteSps};
use super::engine::{case_of, ms, start_ca, Outcome};
use super::plan::CaFault;
use crate::words::{list, named};
use crate::ConfigError;

/// The authority as its metadata describes it.
struct Authority {
    entity_id: String,
    soap_url: String,
    certs: Vec<Vec<u8>>,
    /// Its registration endpoint (`idp-sut.toml`).
    registration: String,
    /// The origin of the registration endpoint (what the cardholder checks).
    origin: String,
}

struct Sut<'a> {
    config: &'a IdpSutConfig,
    suite: &'a SuiteSps,
    aa: Authority,
    ca: &'a RunningService,
    parties: Arc<Parties>,
    network: user_agent::Network,
}

/// Runs the attribute authority's plan.
pub async fn run(
    config: &IdpSutConfig,
    suite: &SuiteSps,
    mut progress: impl FnMut(&Case),
) -> Result<Report, ConfigError> {
    let now_text = OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let mut report = Report::new(
        &format!(
            "Attribute authority conformance: {} / 属性認証機関適合性試験",
            config.name
        ),
        &now_text,
    );
    let ca = start_ca(&suite.ca_url).await?;
    let mut pre = Case::new("preflight", "Checks before the run");
    pre.title_ja = Some("事前確認".into());
    let t = Instant::now();
    let network = super::engine::network_for(config, suite)?;
    let aa = match load(config, &network).await {
        Ok(aa) => aa,
        Err(e) => {
            return Ok(stopped(
                report,
                pre,
                format!("the authority's metadata: {e}"),
            ))
        }
    };
    let mut parties = Parties::default();
    parties.add(&aa.origin, "attribute authority under test");
    if let Ok(u) = url::Url::parse(&aa.soap_url) {
        parties.add(
            &u.origin().ascii_serialization(),
            "attribute authority under test",
        );
    }
    let sut = Sut {
        config,
        suite,
        aa,
        ca: &ca,
        parties: Arc::new(parties),
        network,
    };
    let first = &AA_TESTS[0];
    let base = sut.run_test(first).await;
    let mut s = Step::new(
        "a 税理士 registers their card, and the authority then asserts the qualification",
        first.requirements,
    );
    s.verdict = base.verdict;
    s.detail = base.why.clone();
    s.evidence = base.evidence;
    s.duration_ms = ms(t);
    pre.steps.push(s);
    if base.verdict != Verdict::Passed {
        let why = format!(
            "a valid registration and query did not work ({}): is the suite installed in the authority (`mnctf test-idp metadata`: federation.xml, jpki-auth.pem, zeirishi.pem)?",
            base.why
        );
        return Ok(stopped(report, pre, why));
    }
    pre.verdict = Verdict::Passed;
    progress(&pre);
    report.suite("preflight").cases.push(pre);
    let only =
        |id: &str| config.only.is_empty() || config.only.iter().any(|p| id.starts_with(p.as_str()));
    for test in AA_TESTS.iter().filter(|t| only(t.id)) {
        let t = Instant::now();
        let o = sut.run_test(test).await;
        let title = "judge by what the authority registered and answered";
        let step = o.into_step(title, test.requirements, t);
        let case = case_of(test.id, (test.title, test.title_ja), step);
        progress(&case);
        report.suite(test.category).cases.push(case);
    }
    ca.faults.set_ocsp(None);
    ca.faults.set_stale_crl(false);
    Ok(report)
}

/// The preflight failed: every test SKIPPED with the reason.
fn stopped(mut report: Report, mut pre: Case, why: String) -> Report {
    if pre.steps.is_empty() {
        let mut s = Step::new("the authority's metadata loads", &["TF-PROXY-002"]);
        s.verdict = Verdict::Failed;
        s.detail = why.clone();
        pre.steps.push(s);
    }
    pre.verdict = Verdict::Failed;
    pre.reason = Some(why.clone());
    report.suite("preflight").cases.push(pre);
    for t in AA_TESTS {
        let mut case = Case::new(t.id, t.title);
        case.title_ja = Some(t.title_ja.into());
        report.suite(t.category).cases.push(
            case.verdict(Verdict::Skipped)
                .with_reason(format!("not run: the checks before the run failed: {why}")),
        );
    }
    report
}

/// The authority's metadata: one entity with an AttributeAuthorityDescriptor.
async fn load(config: &IdpSutConfig, network: &user_agent::Network) -> Result<Authority, String> {
    let timeout = Duration::from_millis(config.timeout_ms);
    let b = Browser::with_network("suite", Arc::default(), timeout, network.clone());
    let text = crate::engine::load_metadata(&config.metadata, &b).await?;
    let entities = parse_entities(&text).map_err(|e| e.to_string())?;
    let [entity] = entities.as_slice() else {
        return Err(format!(
            "{} entities in the metadata; one is needed",
            entities.len()
        ));
    };
    let aa = entity
        .attribute_authority
        .as_ref()
        .ok_or("no AttributeAuthorityDescriptor with a SOAP AttributeService")?;
    config
        .network
        .permits("the AttributeService", &aa.soap_url)
        .map_err(|e| e.to_string())?;
    if aa.signing_certs.is_empty() {
        return Err("no signing certificate".into());
    }
    let registration = config
        .registration
        .clone()
        .ok_or("no `registration` URL in the configuration")?;
    let origin = url::Url::parse(&registration)
        .map(|u| u.origin().ascii_serialization())
        .map_err(|e| e.to_string())?;
    Ok(Authority {
        entity_id: entity.entity_id.to_string(),
        soap_url: aa.soap_url.clone(),
        certs: aa.signing_certs.clone(),
        registration,
        origin,
    })
}

/// What the authority answered to a query.
#[derive(Debug)]
enum Answer {
    /// A Success a strict requester accepts.
    Success(AttributeAssertion),
    /// A Success a strict requester refuses (still an answer: the authority said yes).
    BadSuccess(String),
    /// An error status; whether the Response is signed with the authority's key.
    Error {
        codes: Vec<String>,
        message: String,
        signed: bool,
    },
    /// No SAML answer: a SOAP fault, an HTTP error, unreadable.
    NoSaml(String),
}

impl Answer {
    fn describe(&self) -> String {
        match self {
            Answer::Success(a) => format!("a Success Response asserting {}", qualification(a)),
            Answer::BadSuccess(e) => format!("a Success Response a strict requester refuses: {e}"),
            Answer::Error {
                codes,
                message,
                signed,
            } => format!(
                "{} Response with status {}{}",
                if *signed { "a signed" } else { "an unsigned" },
                codes.join(" / "),
                if message.is_empty() {
                    String::new()
                } else {
                    format!(" ({message})")
                }
            ),
            Answer::NoSaml(why) => format!("no SAML answer: {why}"),
        }
    }

    fn has(&self, code: &str) -> bool {
        matches!(self, Answer::Error { codes, .. } if codes.iter().any(|c| c == code))
    }
}

fn qualification(a: &AttributeAssertion) -> String {
    QUALIFICATION_ATTRIBUTES
        .iter()
        .map(|n| a.value(n).unwrap_or("(none)"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Sut<'_> {
    fn browser(&self) -> Browser {
        Browser::with_network(
            "suite (professional and platform)",
            Arc::clone(&self.parties),
            Duration::from_millis(self.config.timeout_ms),
            self.network.clone(),
        )
    }

    fn card_der(&self, p: PersonaId) -> Vec<u8> {
        self.ca.pki.persona(p).card.auth.issued.der.clone()
    }

    fn set_fault(&self, fault: CaFault) {
        self.ca.faults.set_ocsp(match fault {
            CaFault::None => None,
            _ => Some(mock_ca::ocsp::Fault::Unavailable),
        });
        self.ca.faults.set_stale_crl(fault == CaFault::AllDown);
    }

    async fn run_test(&self, test: &AaTest) -> Outcome {
        let b = self.browser();
        let mut o = match (test.flow, test.judge) {
            (AaFlow::Register(a), AaJudge::MustRegister) => self.must_register(&b, &a).await,
            (AaFlow::Register(a), _) => self.must_not_register(&b, &a).await,
            (AaFlow::Query(q), judge) => self.query_test(&b, q, judge).await,
        };
        o.evidence.splice(0..0, b.take_evidence());
        o
    }

    async fn must_register(&self, b: &Browser, a: &Attempt) -> Outcome {
        match self.register(b, a).await {
            Err(e) => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("the registration could not run: {e}"),
                )
            }
            Ok(Err(refused)) => {
                return Outcome::new(
                    Verdict::Failed,
                    format!("a valid registration was refused: {refused}"),
                )
            }
            Ok(Ok(())) => {}
        }
        match self.ask(b, Query::Good).await {
            Ok(Answer::Success(got)) => match self.qualification_checks(&got) {
                Ok(()) => Outcome::new(
                    Verdict::Passed,
                    format!("registered; the authority asserts {}", qualification(&got)),
                ),
                Err(e) => Outcome::new(Verdict::Failed, e),
            },
            Ok(other) => Outcome::new(
                Verdict::Failed,
                format!(
                    "registered, but the query about the card got {}",
                    other.describe()
                ),
            ),
            Err(e) => Outcome::new(Verdict::Failed, format!("the query could not run: {e}")),
        }
    }

    /// A refused registration: the card it names is not registered afterwards.
    async fn must_not_register(&self, b: &Browser, a: &Attempt) -> Outcome {
        match self.is_registered(b, a.names).await {
            Ok(None) => {}
            Ok(Some(q)) => return Outcome::new(Verdict::Skipped, format!("the card this test names is registered already (as {q}; by an earlier run?): the effect cannot be seen; clear the authority's registrations and run again")),
            Err(e) => return Outcome::new(Verdict::Failed, format!("asking about the card before the attempt: {e}")),
        }
        self.set_fault(a.fault);
        let attempt = self.register(b, a).await;
        self.set_fault(CaFault::None);
        let said = match attempt {
            Ok(Ok(())) => "the registration was answered as accepted".to_owned(),
            Ok(Err(refused)) => format!("refused: {refused}"),
            Err(e) => format!("the attempt stopped: {e}"),
        };
        match self.is_registered(b, a.names).await {
            Ok(None) => Outcome::new(Verdict::Passed, format!("{said}; the card is not registered")),
            Ok(Some(q)) => Outcome::new(Verdict::Failed, format!("{said}, and the authority now asserts {q} for the card of persona {} (TF-PROXY-004)", a.names.slug())),
            Err(e) => Outcome::new(Verdict::Failed, format!("{said}; asking about the card afterwards: {e}")),
        }
    }

    /// The qualification the authority asserts for `card`, `None` for UnknownPrincipal.
    async fn is_registered(&self, b: &Browser, card: PersonaId) -> Result<Option<String>, String> {
        let q = self.query(card, self.aa.soap_url.clone(), OffsetDateTime::now_utc());
        let text = self.sign_query(&q, 0)?;
        match self.send(b, &q, &text).await? {
            Answer::Success(a) => Ok(Some(qualification(&a))),
            a if a.has(STATUS_UNKNOWN_PRINCIPAL) => Ok(None),
            other => Err(other.describe()),
        }
    }

    /// Registers as `a` says: the authority's challenge, the card's signature, the 士業
    /// key's registration. `Ok(Err)`: the authority refused, saying why.
    async fn register(&self, b: &Browser, a: &Attempt) -> Result<Result<(), String>, String> {
        let challenge_url = format!("{}/challenge", self.aa.registration.trim_end_matches('/'));
        let (status, c) = b
            .post_json(&challenge_url, Some(&self.aa.origin), serde_json::json!({}))
            .await
            .map_err(|e| format!("{challenge_url}: {e}"))?;
        if status != 200 {
            return Err(format!("no challenge from {challenge_url}: HTTP {status}"));
        }
        let mut text = c["challenge"]
            .as_str()
            .ok_or("the challenge answer has no `challenge`")?
            .to_owned();
        let mut nonce = c["nonce"]
            .as_str()
            .ok_or("the challenge answer has no `nonce`")?
            .to_owned();
        let audience = c["audience"]
            .as_str()
            .unwrap_or(&self.aa.entity_id)
            .to_owned();
        if a.nonce == Nonce::Invented {
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let made_up = URL_SAFE_NO_PAD.encode(bytes);
            text = text.replace(&nonce, &made_up);
            nonce = made_up;
        }
        let card = Card::new(self.ca.pki.persona(a.signs).card_image());
        let (_, sig) = card
            .sign(
                &text,
                &self.config.pin,
                &self.aa.origin,
                OffsetDateTime::now_utc(),
            )
            .map_err(|e| format!("the card did not sign the authority's challenge: {e}"))?;
        let doc = self.registration_document(a, &audience, &nonce)?;
        let body = serde_json::json!({
            "nonce": nonce,
            "certificate": STANDARD.encode(self.card_der(a.presents)),
            "signature": STANDARD.encode(sig),
            "registration": STANDARD.encode(doc),
        });
        let (status, answer) = b
            .post_json(&self.aa.registration, Some(&self.aa.origin), body)
            .await
            .map_err(|e| format!("{}: {e}", self.aa.registration))?;
        Ok(if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(format!(
                "HTTP {status}: {}",
                answer["error"].as_str().unwrap_or("(no reason given)")
            ))
        })
    }

    /// The registration document signed with the professional's 士業 key.
    fn registration_document(
        &self,
        a: &Attempt,
        audience: &str,
        nonce: &str,
    ) -> Result<String, String> {
        let p = self.ca.pki.persona(a.professional);
        let c = &p
            .professional
            .as_ref()
            .ok_or("the persona is not a professional (a suite bug)")?
            .credential;
        let key = c.key.to_pkcs8_der().map_err(|e| e.to_string())?;
        let now = OffsetDateTime::now_utc();
        let r = proxy::Registration {
            id: crate::message::new_id(),
            issued: now,
            audience: audience.to_owned(),
            nonce: Some(nonce.to_owned()),
            card_certificate: self.card_der(a.names),
        };
        proxy::build(&r, key.as_bytes(), &c.issued.der).map_err(|e| e.to_string())
    }

    /// The platform's query about `card` (its NameID at SP b, the card as holder-of-key).
    fn query(
        &self,
        card: PersonaId,
        destination: String,
        issued: OffsetDateTime,
    ) -> AttributeQuery {
        AttributeQuery {
            id: crate::message::new_id(),
            issuer: self.suite.sps[0].entity_id.clone(),
            destination,
            issued,
            subject: QuerySubject {
                name_id: format!("suite-{}", card.slug()),
                name_qualifier: self.suite.sps[0].entity_id.clone(),
                sp_name_qualifier: self.suite.sps[1].entity_id.clone(),
                card_certificate: self.card_der(card),
            },
            attributes: QUALIFICATION_ATTRIBUTES
                .iter()
                .map(|a| (*a).to_owned())
                .collect(),
        }
    }

    /// `q` signed with the key of suite SP `sp` (0: the platform).
    fn sign_query(&self, q: &AttributeQuery, sp: usize) -> Result<String, String> {
        let k = &self.suite.sps[sp].key;
        attribute_query::build_query(q, &k.key_der, &k.cert_der)
            .map_err(|e| format!("the suite could not sign its query: {e}"))
    }

    /// The query of `change` as sent (the message the requester believes in, and the text).
    fn crafted(&self, change: Query) -> Result<(AttributeQuery, String), String> {
        let now = OffsetDateTime::now_utc();
        let soap = self.aa.soap_url.clone();
        let card = if change == Query::UnknownCard {
            PersonaId::AuthPinBlocked
        } else {
            PROFESSIONAL
        };
        let mut q = self.query(card, soap.clone(), now);
        let text = match change {
            Query::Good | Query::UnknownCard | Query::AfterRevocation => self.sign_query(&q, 0)?,
            Query::Unsigned => without_signature(&self.sign_query(&q, 0)?),
            Query::WrongKey => {
                let rogue = self
                    .ca
                    .pki
                    .service_credential("conformance-rogue")
                    .map_err(|e| e.to_string())?;
                let key = rogue.key.to_pkcs8_der().map_err(|e| e.to_string())?;
                attribute_query::build_query(&q, key.as_bytes(), &rogue.certificate)
                    .map_err(|e| e.to_string())?
            }
            Query::UnknownRequester => {
                let rogue = self
                    .ca
                    .pki
                    .service_credential("conformance-rogue")
                    .map_err(|e| e.to_string())?;
                let key = rogue.key.to_pkcs8_der().map_err(|e| e.to_string())?;
                q.issuer = format!("{}/not-in-the-federation", self.suite.base_url);
                attribute_query::build_query(&q, key.as_bytes(), &rogue.certificate)
                    .map_err(|e| e.to_string())?
            }
            Query::Bearer => bearer(&self.sign_query(&q, 0)?, &self.suite.sps[0].key)?,
            Query::Stale => {
                q = self.query(card, soap, now - time::Duration::hours(1));
                self.sign_query(&q, 0)?
            }
            Query::WrongDestination => {
                q = self.query(card, format!("{}/elsewhere", self.suite.base_url), now);
                self.sign_query(&q, 0)?
            }
            Query::Wrapped => {
                let inner = self.query(PersonaId::AuthPinBlocked, soap, now);
                wrapped(&q, &self.sign_query(&inner, 0)?)
            }
            Query::Doctype => self.sign_query(&q, 0)?,
        };
        Ok((q, text))
    }

    async fn ask(&self, b: &Browser, change: Query) -> Result<Answer, String> {
        let (q, text) = self.crafted(change)?;
        if change == Query::Doctype {
            let envelope = format!(
                "<!DOCTYPE soap11:Envelope [<!ENTITY mnctf \"suite\">]>{}",
                attribute_query::soap_wrap(&text)
            );
            return self.post(b, &q, &envelope).await;
        }
        self.send(b, &q, &text).await
    }

    async fn send(
        &self,
        b: &Browser,
        q: &AttributeQuery,
        query_xml: &str,
    ) -> Result<Answer, String> {
        self.post(b, q, &attribute_query::soap_wrap(query_xml))
            .await
    }

    async fn post(
        &self,
        b: &Browser,
        q: &AttributeQuery,
        envelope: &str,
    ) -> Result<Answer, String> {
        let (status, body) = b
            .post_soap(&self.aa.soap_url, envelope)
            .await
            .map_err(|e| format!("{}: {e}", self.aa.soap_url))?;
        Ok(self.classify(status, &body, q))
    }

    fn classify(&self, status: u16, body: &str, q: &AttributeQuery) -> Answer {
        let Ok(message) = attribute_query::soap_unwrap(body) else {
            return Answer::NoSaml(format!("HTTP {status}, no SOAP body with a SAML message"));
        };
        let Ok(doc) = xml::parse(message) else {
            return Answer::NoSaml(format!("HTTP {status}, the message does not parse"));
        };
        let root = doc.root_element();
        if !xml::is(root, NS_PROTOCOL, "Response") {
            return Answer::NoSaml(format!(
                "HTTP {status}, a {} in the SOAP body",
                root.tag_name().name()
            ));
        }
        let codes: Vec<String> = root
            .descendants()
            .filter(|n| xml::is(*n, NS_PROTOCOL, "StatusCode"))
            .filter_map(|n| n.attribute("Value").map(str::to_owned))
            .collect();
        if codes.first().map(String::as_str)
            == Some(trust_framework::saml::constants::status::SUCCESS)
        {
            return match attribute_query::verify_answer(
                message,
                q,
                &self.aa.entity_id,
                &self.aa.certs,
                OffsetDateTime::now_utc(),
            ) {
                Ok(a) => Answer::Success(a),
                Err(e) => Answer::BadSuccess(e.to_string()),
            };
        }
        let message_text = root
            .descendants()
            .find(|n| xml::is(*n, NS_PROTOCOL, "StatusMessage"))
            .and_then(|m| xml::text(m).ok())
            .unwrap_or_default();
        Answer::Error {
            codes,
            message: message_text,
            signed: signature::verify_enveloped(message, &self.aa.certs).is_ok(),
        }
    }

    /// What the profile asks of the assertion beyond what `verify_answer` checks: the SP
    /// among its audiences, valid at most 5 minutes, the professional's qualification.
    fn qualification_checks(&self, a: &AttributeAssertion) -> Result<(), String> {
        let sp = &self.suite.sps[1].entity_id;
        if !a.audiences.iter().any(|x| x == sp) {
            return Err(format!("the assertion's audiences ({}) do not include the SP the NameID is for ({sp}): the SP cannot use it (TF-PROXY-002)", list(&a.audiences)));
        }
        let left = a.not_on_or_after - OffsetDateTime::now_utc();
        if left > time::Duration::minutes(6) {
            return Err(format!(
                "the assertion is valid for {} s more: at most 5 minutes (TF-PROXY-002)",
                left.whole_seconds()
            ));
        }
        let p = self.ca.pki.persona(PROFESSIONAL);
        let want = p.professional.as_ref().map(|x| {
            (
                x.qualification.profession.clone(),
                x.qualification.registration_number.clone(),
            )
        });
        let got = (
            a.value(attr::PROFESSION),
            a.value(attr::REGISTRATION_NUMBER),
            a.value(attr::ISSUING_BODY),
        );
        match (want, got) {
            (Some((prof, number)), (Some(gp), Some(gn), Some(body))) if gp == prof && gn == number && !body.trim().is_empty() => Ok(()),
            (_, (profession, number, body)) => Err(format!(
                "the qualification asserted is not the professional's certificate's: {}, {}, {} (TF-PROXY-002)",
                named("profession", profession),
                named("registration number", number),
                named("issuing body", body)
            )),
        }
    }

    async fn query_test(&self, b: &Browser, change: Query, judge: AaJudge) -> Outcome {
        if change == Query::AfterRevocation {
            if let Err(e) = self.revoke_professional() {
                return Outcome::new(
                    Verdict::Skipped,
                    format!("the suite could not revoke the 士業 certificate (a suite bug): {e}"),
                );
            }
        }
        let answer = match self.ask(b, change).await {
            Ok(a) => a,
            Err(e) => {
                return Outcome::new(Verdict::Failed, format!("the query could not run: {e}"))
            }
        };
        let said = answer.describe();
        match (judge, &answer) {
            (AaJudge::MustAnswer, Answer::Success(a)) => match self.qualification_checks(a) {
                Ok(()) => Outcome::new(Verdict::Passed, said),
                Err(e) => Outcome::new(Verdict::Failed, e),
            },
            (AaJudge::MustAnswer, _) => Outcome::new(
                Verdict::Failed,
                format!("about the registered card: {said}"),
            ),
            (_, Answer::Success(_) | Answer::BadSuccess(_)) => {
                Outcome::new(Verdict::Failed, format!("the authority answered: {said}"))
            }
            (AaJudge::MustSayUnknownPrincipal, a) if a.has(STATUS_UNKNOWN_PRINCIPAL) => {
                signed_or_failed(a, said)
            }
            (AaJudge::MustDeny, a) if a.has(STATUS_REQUEST_DENIED) => signed_or_failed(a, said),
            (AaJudge::MustSayUnknownPrincipal, _) => Outcome::new(
                Verdict::Failed,
                format!("not UnknownPrincipal (TF-PROXY-002): {said}"),
            ),
            (AaJudge::MustDeny, _) => Outcome::new(
                Verdict::Failed,
                format!("refused, but not with a signed RequestDenied (TF-PROXY-002): {said}"),
            ),
            _ => Outcome::new(Verdict::Passed, format!("refused: {said}")),
        }
    }

    /// The 税理士's certificate revoked at the suite's CA (privilege withdrawn).
    fn revoke_professional(&self) -> Result<(), String> {
        let p = self.ca.pki.persona(PROFESSIONAL);
        let c = &p
            .professional
            .as_ref()
            .ok_or("not a professional")?
            .credential;
        let ca = self.ca.pki.authority(&c.ca_id).ok_or("no such CA")?;
        ca.revoke(
            &c.issued.serial,
            OffsetDateTime::now_utc() - time::Duration::seconds(1),
            Reason::PrivilegeWithdrawn,
        )
        .map_err(|e| e.to_string())
    }
}

fn signed_or_failed(a: &Answer, said: String) -> Outcome {
    match a {
        Answer::Error { signed: true, .. } => Outcome::new(Verdict::Passed, said),
        _ => Outcome::new(
            Verdict::Failed,
            format!(
                "{said}: the error Response must be signed with the authority's key (TF-PROXY-002)"
            ),
        ),
    }
}

/// A signed message with its signature removed.
fn without_signature(signed: &str) -> String {
    match (signed.find("<ds:Signature"), signed.find("</ds:Signature>")) {
        (Some(a), Some(b)) if a < b => {
            format!("{}{}", &signed[..a], &signed[b + "</ds:Signature>".len()..])
        }
        _ => signed.to_owned(),
    }
}

/// The query with its holder-of-key confirmation turned into a bearer one without the
/// card, signed again by the platform (only the subject changes).
fn bearer(signed: &str, key: &crate::message::Key) -> Result<String, String> {
    let unsigned = without_signature(signed);
    let start = unsigned
        .find("<saml:SubjectConfirmation ")
        .ok_or("no SubjectConfirmation")?;
    let end_tag = "</saml:SubjectConfirmation>";
    let end = unsigned.find(end_tag).ok_or("no SubjectConfirmation end")? + end_tag.len();
    let confirmation =
        r#"<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/>"#;
    let text = format!("{}{confirmation}{}", &unsigned[..start], &unsigned[end..]);
    let id = xml::parse(&text)
        .ok()
        .and_then(|d| d.root_element().attribute("ID").map(str::to_owned))
        .ok_or("no ID")?;
    let at = text.find("</saml:Issuer>").ok_or("no Issuer")? + "</saml:Issuer>".len();
    let template = signature::template(&id, &key.cert_der);
    let unsigned = format!("{}{template}{}", &text[..at], &text[at..]);
    signature::sign(&unsigned, &key.key_der).map_err(|e| e.to_string())
}

/// A document without its XML declaration (to nest it).
fn strip_declaration(doc: &str) -> &str {
    match doc.trim_start().strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(rest, |(_, body)| body),
        None => doc,
    }
}

/// An unsigned query `q` about the registered card carrying `signed` (a query the
/// platform signed about another card) in its Extensions: a verifier that checks "a
/// signature by the requester somewhere" and reads the root answers about `q`'s card.
fn wrapped(q: &AttributeQuery, signed: &str) -> String {
    format!(
        concat!(
            r#"<samlp:AttributeQuery xmlns:samlp="{p}" xmlns:saml="{a}" ID="{id}" Version="2.0" IssueInstant="{issued}" Destination="{dest}">"#,
            r#"<saml:Issuer>{issuer}</saml:Issuer><samlp:Extensions>{signed}</samlp:Extensions><saml:Subject>"#,
            r#"<saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" NameQualifier="{nq}" SPNameQualifier="{spnq}">{name}</saml:NameID>"#,
            r#"<saml:SubjectConfirmation Method="{hok}"><saml:SubjectConfirmationData xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="saml:KeyInfoConfirmationDataType">"#,
            r#"<ds:KeyInfo xmlns:ds="{ds}"><ds:X509Data><ds:X509Certificate>{card}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"#,
            r#"</saml:SubjectConfirmationData></saml:SubjectConfirmation></saml:Subject></samlp:AttributeQuery>"#
        ),
        p = NS_PROTOCOL,
        a = NS_ASSERTION,
        ds = NS_DSIG,
        id = xml::escape(&format!("{}-outer", q.id)),
        issued = xml::instant(q.issued),
        dest = xml::escape(&q.destination),
        issuer = xml::escape(&q.issuer),
        signed = strip_declaration(signed),
        nq = xml::escape(&q.subject.name_qualifier),
        spnq = xml::escape(&q.subject.sp_name_qualifier),
        name = xml::escape(&q.subject.name_id),
        hok = CM_HOLDER_OF_KEY,
        card = STANDARD.encode(&q.subject.card_certificate),
    )
}
