//! What the fuzzers drive: one entry point per parser or handler that takes outside input
//! (SAML messages by both bindings, the SP's Response check, SOAP, metadata and the signed
//! aggregate, payment messages, 士業 registrations, the card's APDUs and vpcd frames, OCSP
//! requests and answers, CRLs, certificates, the platform's and the suite's TOML), each fed
//! with what the project's own builders make ([`seeds`]). `fuzz/` runs them under
//! libFuzzer (`scripts/fuzz`); `tests/smoke.rs` runs them over the seeds and their mutations
//! on every test run. A target passes when it returns: any panic, hang or runaway
//! allocation is a bug.

use std::io::Read;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mock_ca::{Clock, PersonaId, Pki, PkiConfig};
use rsa::pkcs8::EncodePrivateKey;
use time::{Duration, OffsetDateTime};
use trust_framework::saml::bindings::{self, Kind};
use trust_framework::saml::{authn_request, logout, metadata};
use trust_framework::x509::{PathPolicy, TrustAnchors, ValidatedCertificate};

/// Every target, by the name its fuzzer and corpus folder have.
pub const TARGETS: &[&str] = &[
    "xml",
    "saml_redirect",
    "saml_post",
    "sp_response",
    "soap",
    "metadata",
    "payment",
    "registration",
    "apdu",
    "vpcd",
    "ocsp_request",
    "ocsp_response",
    "crl",
    "certificate",
    "idp_config",
    "payment_request",
    "attribute_query",
    "suite_config",
];

/// Runs target `name` on `data`: whether the input was accepted all the way (what its
/// seeds must be, so that fuzzing starts deep); an unknown name does nothing.
pub fn run(name: &str, data: &[u8]) -> bool {
    let text = || std::str::from_utf8(data).ok();
    match name {
        "xml" => text().is_some_and(|t| trust_framework::saml::xml::parse(t).is_ok()),
        "saml_redirect" => saml_redirect(text()),
        "saml_post" => saml_post(text()),
        "sp_response" => sp_response(text()),
        "soap" => soap(text()),
        "metadata" => metadata_docs(text()),
        "payment" => payment(text()),
        "registration" => {
            text().is_some_and(|t| trust_framework::proxy::signer_certificate(t).is_ok())
        }
        "apdu" => apdu(data),
        "vpcd" => vpcd(data),
        "ocsp_request" => ocsp_request(data),
        "ocsp_response" => ocsp_response(data),
        "crl" => crl(data),
        "certificate" => certificate(data),
        "idp_config" => text().is_some_and(|t| toml::from_str::<idp::IdpConfig>(t).is_ok()),
        "payment_request" => payment_request(text()),
        "attribute_query" => attribute_query(text()),
        "suite_config" => suite_config(text()),
        _ => false,
    }
}

/// The parties' keys and certificates the targets check against.
struct World {
    pki: Pki,
    anchors: TrustAnchors,
    card: ValidatedCertificate,
    idp: (Vec<u8>, Vec<u8>),
    sp: (rsa::RsaPrivateKey, Vec<u8>),
    operator: (Vec<u8>, Vec<u8>),
    now: OffsetDateTime,
}

impl World {
    fn card_image(&self) -> mock_card::CardImage {
        self.pki.persona(PersonaId::Valid).card_image()
    }
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        // The test PKI's keys come from a seed: the same world in every run.
        let pki = Pki::build(PkiConfig::new("http://127.0.0.1:1"), Clock::system())
            .unwrap_or_else(|e| panic!("the test PKI: {e}"));
        let mut anchors = TrustAnchors::new();
        if let Some(ca) = pki.authority(mock_ca::pki::ca::JPKI_AUTH) {
            let _ = anchors.add("jpki-auth", ca.certificate());
        }
        let now = OffsetDateTime::now_utc();
        let card = anchors
            .validate(
                &pki.persona(PersonaId::Valid).card.auth.issued.der,
                now,
                &PathPolicy::default(),
            )
            .unwrap_or_else(|e| panic!("the valid card: {e}"));
        let der = |name: &str| {
            let c = pki
                .service_credential(name)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let key = c
                .key
                .to_pkcs8_der()
                .map(|k| k.as_bytes().to_vec())
                .unwrap_or_default();
            (key, c.certificate, (*c.key).clone())
        };
        let (idp_key, idp_cert, _) = der("idp");
        let (_, sp_cert, sp_key) = der("sp-1");
        let (op_key, op_cert, _) = der("federation-operator");
        World {
            pki,
            anchors,
            card,
            idp: (idp_key, idp_cert),
            sp: (sp_key, sp_cert),
            operator: (op_key, op_cert),
            now,
        }
    })
}

const SP: &str = "http://127.0.0.1:2/sp";
const ACS: &str = "http://127.0.0.1:2/acs";
const IDP: &str = "http://127.0.0.1:1/idp";
const AUTHORITY: &str = "http://127.0.0.1:3/attribute-query";

fn saml_redirect(text: Option<&str>) -> bool {
    let Some(m) = text.and_then(|q| bindings::decode_redirect(q).ok()) else {
        return false;
    };
    let parsed = authn_request::parse(&m.xml).is_ok()
        | logout::parse_request(&m.xml).is_ok()
        | logout::parse_response(&m.xml).is_ok();
    let signed = m.signature.as_ref().is_some_and(|sig| {
        bindings::verify_redirect_signature(sig, std::slice::from_ref(&world().sp.1)).is_ok()
    });
    parsed && signed
}

fn saml_post(text: Option<&str>) -> bool {
    let Some(xml) = text.and_then(|v| bindings::decode_post(v).ok()) else {
        return false;
    };
    authn_request::parse(&xml).is_ok() | logout::parse_request(&xml).is_ok()
}

fn sp_response(text: Option<&str>) -> bool {
    let Some(text) = text else { return false };
    let w = world();
    let certs = [w.idp.1.clone()];
    trust_framework::saml::sp::verify_response(
        text,
        &trust_framework::saml::sp::Expectations {
            sp_entity_id: SP,
            acs_url: ACS,
            idp_entity_id: IDP,
            idp_certs: &certs,
            request_id: Some("_req"),
            now: w.now,
            skew: Duration::minutes(2),
            required_class: None,
            require_signed_assertion: true,
        },
    )
    .is_ok()
}

fn soap(text: Option<&str>) -> bool {
    use trust_framework::saml::attribute_query;
    let Some(inner) = text.and_then(|t| attribute_query::soap_unwrap(t).ok()) else {
        return false;
    };
    attribute_query::claimed_issuer(inner).is_ok()
}

fn metadata_docs(text: Option<&str>) -> bool {
    let Some(text) = text else { return false };
    let w = world();
    let parsed = metadata::parse_entities(text).is_ok();
    let loaded =
        trust_framework::saml::aggregate::load(text, std::slice::from_ref(&w.operator.1), w.now)
            .is_ok();
    parsed | loaded
}

fn payment(text: Option<&str>) -> bool {
    use trust_framework::payment;
    let Some(text) = text else { return false };
    payment::claimed_issuer(text).is_ok()
        & payment::verify_notice(text, std::slice::from_ref(&world().sp.1)).is_ok()
}

/// A payment request as the bank takes it: verified with the SP's keys, then read.
fn payment_request(text: Option<&str>) -> bool {
    use trust_framework::payment;
    let Some(text) = text else { return false };
    payment::claimed_issuer(text).is_ok()
        & payment::verify_request(text, std::slice::from_ref(&world().sp.1), world().now).is_ok()
}

/// An AttributeQuery as the attribute authority takes it: out of its SOAP envelope,
/// verified with the SP's keys, then read.
fn attribute_query(text: Option<&str>) -> bool {
    use trust_framework::saml::attribute_query;
    let Some(inner) = text.and_then(|t| attribute_query::soap_unwrap(t).ok()) else {
        return false;
    };
    let w = world();
    attribute_query::verify_query(inner, std::slice::from_ref(&w.sp.1), AUTHORITY, w.now).is_ok()
}

/// The TOML files a vendor gives the suite, `sut.toml`, `idp-sut.toml` and an
/// expected-results file, read and checked as `mnctf test-sp` and `mnctf test-idp` do
/// (without touching the file system).
fn suite_config(text: Option<&str>) -> bool {
    use conformance::config::SutConfig;
    use conformance::idp::IdpSutConfig;
    let Some(text) = text else { return false };
    let sp = toml::from_str::<SutConfig>(text).is_ok_and(|c| c.check().is_ok());
    let idp = toml::from_str::<IdpSutConfig>(text).is_ok_and(|c| c.check().is_ok());
    let expected = toml::from_str::<conformance::Expected>(text).is_ok_and(|e| {
        ["xsw1", "logout-valid", "x"]
            .iter()
            .any(|id| e.verdict(id).1.is_some())
    });
    sp | idp | expected
}

/// SELECT of the JPKI AP: where a client starts.
const SELECT_AP: [u8; 15] = [
    0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01,
];

/// One command APDU to a fresh card with the AP selected.
fn apdu(data: &[u8]) -> bool {
    let mut card = mock_card::JpkiCard::new(world().card_image());
    card.process(&SELECT_AP);
    card.process(data).sw == mock_card::apdu::StatusWord::OK
}

/// Bytes as a vpcd connection: frames read until the stream ends, each handled.
struct Stream(std::io::Cursor<Vec<u8>>);

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}

impl mock_card::transport::vpcd::FrameSource for Stream {}

fn vpcd(data: &[u8]) -> bool {
    use mock_card::transport::vpcd;
    let mut card = mock_card::JpkiCard::new(world().card_image());
    let mut stream = Stream(std::io::Cursor::new(data.to_vec()));
    let stop = AtomicBool::new(false);
    let mut answers = 0;
    // Each frame consumes at least its two length bytes: the loop ends with the input.
    while let Ok(Some(frame)) = vpcd::read_frame(&mut stream, &stop) {
        answers += usize::from(vpcd::handle(&mut card, vpcd::Message::from_frame(frame)).is_some());
    }
    answers > 0
}

fn jpki_ca(w: &World) -> Option<&Arc<mock_ca::authority::Authority>> {
    w.pki.authority(mock_ca::pki::ca::JPKI_AUTH)
}

fn ocsp_request(data: &[u8]) -> bool {
    let w = world();
    jpki_ca(w).is_some_and(|ca| mock_ca::ocsp::respond(ca, ca, data, w.now, None).status == 200)
}

fn ocsp_response(data: &[u8]) -> bool {
    let w = world();
    trust_framework::x509::check_ocsp_response(
        data,
        &w.card,
        b"nonce-of-sixteen",
        w.now,
        Duration::minutes(2),
    )
    .is_ok()
}

fn crl(data: &[u8]) -> bool {
    let w = world();
    trust_framework::x509::check_crl(data, &w.card, w.now, Duration::minutes(2)).is_ok()
}

fn certificate(data: &[u8]) -> bool {
    let w = world();
    w.anchors
        .validate(data, w.now, &PathPolicy::default())
        .is_ok()
}

/// Well-formed inputs for target `name`, made by the project's own builders: where the
/// fuzzers start from.
pub fn seeds(name: &str) -> Vec<Vec<u8>> {
    let w = world();
    let request = authn_request::build(&authn_request::NewAuthnRequest {
        id: "_req",
        issuer: SP,
        destination: "http://127.0.0.1:1/sso",
        acs_url: ACS,
        issue_instant: w.now,
        force_authn: false,
        is_passive: false,
        authn_context_class: None,
        attribute_consuming_service_index: Some(1),
    });
    let logout_request = logout::build_request(
        &logout::LogoutRequest {
            id: "_lo".into(),
            issuer: SP.into(),
            destination: Some("http://127.0.0.1:1/slo".into()),
            issue_instant: w.now,
            name_id: "name-id".into(),
            session_index: Some("_s".into()),
        },
        IDP,
        SP,
    );
    let texts = |v: Vec<String>| v.into_iter().map(String::into_bytes).collect();
    match name {
        "xml" => texts(vec![request, logout_request]),
        "saml_redirect" => texts(
            [&request, &logout_request]
                .iter()
                .filter_map(|x| {
                    bindings::encode_redirect(Kind::Request, x, Some("relay"), Some(&w.sp.0)).ok()
                })
                .collect(),
        ),
        "saml_post" => texts(vec![
            STANDARD.encode(&request),
            STANDARD.encode(&logout_request),
        ]),
        "sp_response" => texts(seed_response(w).into_iter().collect()),
        "soap" => texts(vec![trust_framework::saml::attribute_query::soap_wrap(
            &logout_request,
        )]),
        "metadata" => texts(seed_aggregate(w).into_iter().collect()),
        "payment" => texts(seed_notice(w).into_iter().collect()),
        "registration" => texts(seed_registration(w).into_iter().collect()),
        "apdu" => vec![
            SELECT_AP.to_vec(),
            vec![0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x0A],
        ],
        "vpcd" => vec![vec![
            0, 1, 0x01, 0, 1, 0x04, 0, 5, 0x00, 0xB0, 0x00, 0x00, 0x00,
        ]],
        "ocsp_request" => trust_framework::x509::ocsp_request(&w.card, b"nonce-of-sixteen")
            .into_iter()
            .collect(),
        "ocsp_response" => seed_ocsp_answer(w).into_iter().collect(),
        "crl" => jpki_ca(w)
            .and_then(|ca| ca.crl(w.now, Duration::days(1)).ok())
            .into_iter()
            .collect(),
        "certificate" => vec![w.pki.persona(PersonaId::Valid).card.auth.issued.der.clone()],
        "idp_config" => vec![SEED_IDP_CONFIG.as_bytes().to_vec()],
        "payment_request" => texts(seed_payment_request(w).into_iter().collect()),
        "attribute_query" => texts(seed_attribute_query(w).into_iter().collect()),
        "suite_config" => [SEED_SUT, SEED_IDP_SUT, SEED_EXPECTED]
            .iter()
            .map(|t| t.as_bytes().to_vec())
            .collect(),
        _ => Vec::new(),
    }
}

fn seed_response(w: &World) -> Option<String> {
    use trust_framework::saml::response::{self, AssertionParams, ResponseParams};
    let r = ResponseParams {
        id: "_resp".into(),
        issuer: IDP.into(),
        destination: ACS.into(),
        in_response_to: Some("_req".into()),
        issued: w.now,
    };
    let a = AssertionParams {
        id: "_assertion".into(),
        issuer: IDP.into(),
        audience: SP.into(),
        name_id: "name-id".into(),
        recipient: ACS.into(),
        in_response_to: Some("_req".into()),
        issued: w.now,
        not_on_or_after: w.now + Duration::minutes(5),
        authn_instant: w.now,
        session_index: "_s".into(),
        authn_context_class: trust_framework::saml::constants::AC_JPKI_USER_AUTH.into(),
        attributes: Vec::new(),
    };
    response::success(&r, &a, &w.idp.0, &w.idp.1).ok()
}

fn seed_aggregate(w: &World) -> Option<String> {
    let entity = metadata::idp_metadata(&metadata::IdpDescriptor {
        entity_id: IDP.into(),
        sso_url: "http://127.0.0.1:1/sso".into(),
        slo_url: "http://127.0.0.1:1/slo".into(),
        signing_cert: w.idp.1.clone(),
        display_name: None,
        hub_acs_url: None,
    });
    trust_framework::saml::aggregate::build(
        "_agg",
        "mnctf-federation",
        w.now + Duration::days(7),
        &[entity],
        &w.operator.0,
        &w.operator.1,
    )
    .ok()
}

fn seed_notice(w: &World) -> Option<String> {
    use trust_framework::payment::{self, PaymentNotice};
    let key = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&w.sp.0).ok()?;
    payment::build_notice(
        &PaymentNotice {
            id: "_n".into(),
            issuer: trust_framework::EntityId::new(SP).ok()?,
            issued: w.now,
            in_response_to: "_pr".into(),
            application: "APP-000001".into(),
            payment_number: "2026000000000001".into(),
            amount: 1200,
        },
        key.as_bytes(),
        &w.sp.1,
    )
    .ok()
}

fn seed_payment_request(w: &World) -> Option<String> {
    use trust_framework::payment::{self, PaymentReference, PaymentRequest};
    let key = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&w.sp.0).ok()?;
    payment::build_request(
        &PaymentRequest {
            id: "_pr".into(),
            issuer: trust_framework::EntityId::new(SP).ok()?,
            issued: w.now,
            expires: w.now + Duration::hours(1),
            application: "APP-000001".into(),
            reference: PaymentReference::new("12345", "2026000000000001", "123456").ok()?,
            amount: 1200,
            session_index: "_s".into(),
            notice_url: "http://127.0.0.1:2/payment/notice".into(),
        },
        key.as_bytes(),
        &w.sp.1,
    )
    .ok()
}

fn seed_attribute_query(w: &World) -> Option<String> {
    use trust_framework::saml::attribute_query::{self, AttributeQuery, QuerySubject};
    let key = rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&w.sp.0).ok()?;
    let query = AttributeQuery {
        id: "_aq".into(),
        issuer: SP.into(),
        destination: AUTHORITY.into(),
        issued: w.now,
        subject: QuerySubject {
            name_id: "name-id".into(),
            name_qualifier: IDP.into(),
            sp_name_qualifier: SP.into(),
            card_certificate: w
                .pki
                .persona(PersonaId::TaxAccountant)
                .card
                .auth
                .issued
                .der
                .clone(),
        },
        attributes: vec!["urn:mnctf:attr:qualification".into()],
    };
    let signed = attribute_query::build_query(&query, key.as_bytes(), &w.sp.1).ok()?;
    Some(attribute_query::soap_wrap(&signed))
}

fn seed_registration(w: &World) -> Option<String> {
    let pro = w
        .pki
        .persona(PersonaId::TaxAccountant)
        .professional
        .clone()?;
    let key = pro.credential.key.to_pkcs8_der().ok()?;
    let r = trust_framework::proxy::Registration {
        id: "_reg".into(),
        issued: w.now,
        audience: IDP.into(),
        nonce: None,
        card_certificate: w
            .pki
            .persona(PersonaId::TaxAccountant)
            .card
            .auth
            .issued
            .der
            .clone(),
    };
    trust_framework::proxy::build(&r, key.as_bytes(), &pro.credential.issued.der).ok()
}

fn seed_ocsp_answer(w: &World) -> Option<Vec<u8>> {
    let request = trust_framework::x509::ocsp_request(&w.card, b"nonce-of-sixteen").ok()?;
    let ca = jpki_ca(w)?;
    Some(mock_ca::ocsp::respond(ca, ca, &request, w.now, None).body)
}

/// A platform configuration as a deployment writes one.
const SEED_IDP_CONFIG: &str = r#"entity_id = "http://127.0.0.1:1/idp"
base_url = "http://127.0.0.1:1"
signing_key = "idp.key"
signing_cert = "idp.crt"
store = "idp.sqlite"
sp_metadata = ["sp.xml"]
card_helper_url = "http://127.0.0.1:18300"

[[anchors]]
label = "jpki-auth"
certificate = "jpki-auth.crt"
ocsp_url = "http://127.0.0.1:1/ocsp/jpki-auth"
crl_url = "http://127.0.0.1:1/crl/jpki-auth.crl"

[timing]
assertion = 300
session = 28800
"#;

/// A vendor's files as the examples write them.
const SEED_SUT: &str = include_str!("../../examples/sp/sut.toml");
const SEED_IDP_SUT: &str = include_str!("../../examples/idp/idp-sut.toml");
const SEED_EXPECTED: &str = include_str!("../../conformance/expected/ruby-saml.toml");
