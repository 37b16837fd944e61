//! Certificate profiles: JPKI CAs and end entities as `shared/design/jpki-card.md` §1.6
//! describes them (with `O=JPKI-TEST`, as J-LIS's test hierarchy has), and the 士業 CAs.

use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyUsagePurpose};
use rsa::RsaPublicKey;
use time::OffsetDateTime;

use crate::authority::Urls;
use crate::ext::{self, oid, Qualification};
use crate::holder::Holder;
use crate::names::Dn;
use crate::CaError;

/// The two JPKI purposes, each with its own CA.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JpkiPurpose {
    /// 利用者証明用: user authentication.
    UserAuthentication,
    /// 署名用: digital signature.
    Signature,
}

impl JpkiPurpose {
    fn ou(self) -> &'static str {
        match self {
            Self::UserAuthentication => "JPKI for user authentication",
            Self::Signature => "JPKI for digital signature",
        }
    }

    fn ou_ja(self) -> &'static str {
        match self {
            Self::UserAuthentication => "公的個人認証サービス利用者証明用",
            Self::Signature => "公的個人認証サービス署名用",
        }
    }
}

/// `O=` of the test hierarchy (real: `JPKI`).
pub const JPKI_TEST_O: &str = "JPKI-TEST";

/// The CA's DN: `C=JP, O=JPKI-TEST, OU=JPKI for …, OU=Japan Agency for Local Authority
/// Information Systems`.
pub fn jpki_ca_dn(purpose: JpkiPurpose) -> Dn {
    Dn::new()
        .c("JP")
        .o(JPKI_TEST_O)
        .ou(purpose.ou())
        .ou("Japan Agency for Local Authority Information Systems")
}

/// A JPKI root: self-signed, KU keyCertSign + cRLSign (critical), basicConstraints CA
/// (critical, no path length), a Japanese directoryName SAN and a directoryName CRL
/// distribution point equal to its own DN.
pub fn jpki_ca(
    purpose: JpkiPurpose,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams, CaError> {
    let dn = jpki_ca_dn(purpose);
    let mut p = CertificateParams::default();
    p.distinguished_name = dn.to_rcgen()?;
    p.not_before = not_before;
    p.not_after = not_after;
    p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let san = Dn::new()
        .c("JP")
        .o("公的個人認証サービス")
        .ou(purpose.ou_ja())
        .ou("地方公共団体情報システム機構");
    p.custom_extensions = vec![
        ext::subject_alt_name(vec![ext::directory_name(&san)?])?,
        crl_dp_dir_only(&dn)?,
    ];
    Ok(p)
}

fn crl_dp_dir_only(dn: &Dn) -> Result<rcgen::CustomExtension, CaError> {
    use x509_cert::ext::pkix::crl::dp::DistributionPoint;
    use x509_cert::ext::pkix::name::DistributionPointName;
    let point = DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(vec![ext::directory_name(
            dn,
        )?])),
        reasons: None,
        crl_issuer: None,
    };
    let value = der::Encode::to_der(&x509_cert::ext::pkix::CrlDistributionPoints(vec![point]))?;
    Ok(rcgen::CustomExtension::from_oid_content(
        &[2, 5, 29, 31],
        value,
    ))
}

/// Extensions both JPKI end-entity profiles share, in the order real certificates have
/// them after the key usage: issuerAltName, policy, CRL DP (URL + directoryName), AIA
/// (OCSP, caIssuers), SKI last.
fn jpki_ee_tail(
    policy: const_oid::ObjectIdentifier,
    crl_dir: &Dn,
    urls: &Urls,
    subject_key: &RsaPublicKey,
) -> Result<Vec<rcgen::CustomExtension>, CaError> {
    let ian = Dn::new().c("JP").o("公的個人認証サービス");
    Ok(vec![
        ext::issuer_alt_name(vec![ext::directory_name(&ian)?])?,
        ext::certificate_policies(&[policy])?,
        ext::crl_distribution_points(&urls.crl, Some(crl_dir))?,
        ext::authority_info_access(&urls.ocsp, &urls.certificate)?,
        ext::subject_key_identifier(subject_key)?,
    ])
}

/// 利用者証明用電子証明書: `C=JP, CN=<opaque id>`, no personal data, digitalSignature,
/// clientAuth.
pub fn user_auth(
    cn: &str,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    urls: &Urls,
    subject_key: &RsaPublicKey,
) -> Result<CertificateParams, CaError> {
    let mut p = CertificateParams::default();
    p.distinguished_name = Dn::new().c("JP").cn(cn).to_rcgen()?;
    p.not_before = not_before;
    p.not_after = not_after;
    p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let crl_dir = Dn::new()
        .c("JP")
        .o(JPKI_TEST_O)
        .ou(JpkiPurpose::UserAuthentication.ou())
        .ou("CRL Distribution Points");
    p.custom_extensions = jpki_ee_tail(oid::JPKI_POLICY_AUTH, &crl_dir, urls, subject_key)?;
    Ok(p)
}

/// 署名用電子証明書: `C=JP, L=<prefecture>, L=<municipality>, CN=<opaque id>`,
/// digitalSignature + nonRepudiation, and the six personal-data otherNames in the order
/// real cards have them.
pub fn signature(
    cn: &str,
    holder: &Holder,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    urls: &Urls,
    subject_key: &RsaPublicKey,
) -> Result<CertificateParams, CaError> {
    let mut p = CertificateParams::default();
    p.distinguished_name = Dn::new()
        .c("JP")
        .l(&holder.prefecture)
        .l(&holder.municipality)
        .cn(cn)
        .to_rcgen()?;
    p.not_before = not_before;
    p.not_after = not_after;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    let san = vec![
        ext::other_name_utf8(oid::JPKI_NAME, &holder.name)?,
        ext::other_name_utf8(oid::JPKI_BIRTH_DATE, &holder.birth_date_code())?,
        ext::other_name_utf8(oid::JPKI_GENDER, holder.gender.code())?,
        ext::other_name_utf8(oid::JPKI_ADDRESS, &holder.address)?,
        ext::other_name_utf8(oid::JPKI_NAME_SUBSTITUTES, &holder.name_substitutes())?,
        ext::other_name_utf8(oid::JPKI_ADDRESS_SUBSTITUTES, &holder.address_substitutes())?,
    ];
    let crl_dir = Dn::new()
        .c("JP")
        .o(JPKI_TEST_O)
        .ou(JpkiPurpose::Signature.ou())
        .ou("CRL Distribution Points")
        .ou(&holder.prefecture)
        .cn(&format!("{} CRLDP", holder.municipality));
    let mut exts = vec![ext::subject_alt_name(san)?];
    exts.extend(jpki_ee_tail(
        oid::JPKI_POLICY_SIGN_TEST,
        &crl_dir,
        urls,
        subject_key,
    )?);
    p.custom_extensions = exts;
    Ok(p)
}

/// A licensed profession with its own certification authority (士業認証局).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Profession {
    /// 税理士: certified public tax accountant.
    TaxAccountant,
    /// 司法書士: judicial scrivener.
    JudicialScrivener,
}

impl Profession {
    /// Every profession with a CA here.
    pub const ALL: [Profession; 2] = [Self::TaxAccountant, Self::JudicialScrivener];

    /// The profession's name in Japanese (the Admission extension's professionItem).
    pub fn name_ja(self) -> &'static str {
        match self {
            Self::TaxAccountant => "税理士",
            Self::JudicialScrivener => "司法書士",
        }
    }

    /// In English.
    pub fn name_en(self) -> &'static str {
        match self {
            Self::TaxAccountant => "certified public tax accountant",
            Self::JudicialScrivener => "judicial scrivener",
        }
    }

    /// The national body that registers members and runs the CA.
    pub fn body(self) -> &'static str {
        match self {
            Self::TaxAccountant => "日本税理士会連合会",
            Self::JudicialScrivener => "日本司法書士会連合会",
        }
    }

    /// The CA's short name in URLs.
    pub fn ca_id(self) -> &'static str {
        match self {
            Self::TaxAccountant => "zeirishi",
            Self::JudicialScrivener => "shihoshoshi",
        }
    }

    /// The CA's DN.
    pub fn ca_dn(self) -> Dn {
        Dn::new()
            .c("JP")
            .o(self.body())
            .ou(&format!("{}認証局 TEST", self.name_ja()))
    }

    /// The body's DN (the Admission extension's admissionAuthority).
    pub fn body_dn(self) -> Dn {
        Dn::new().c("JP").o(self.body())
    }
}

/// A 士業 CA root.
pub fn shigyo_ca(
    profession: Profession,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams, CaError> {
    let mut p = CertificateParams::default();
    p.distinguished_name = profession.ca_dn().to_rcgen()?;
    p.not_before = not_before;
    p.not_after = not_after;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok(p)
}

/// A professional's signing certificate: `C=JP, O=<body>, OU=<local association>,
/// title=<profession>, CN=<name>`, digitalSignature + nonRepudiation, and the
/// qualification in the Admission extension (profession, registration number, body).
pub fn professional(
    name: &str,
    local_association: &str,
    q: &Qualification,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    urls: &Urls,
    subject_key: &RsaPublicKey,
) -> Result<CertificateParams, CaError> {
    let mut p = CertificateParams::default();
    let body = q.body.get(const_oid::db::rfc4519::O).unwrap_or_default();
    p.distinguished_name = Dn::new()
        .c("JP")
        .o(body)
        .ou(local_association)
        .title(&q.profession)
        .cn(name)
        .to_rcgen()?;
    p.not_before = not_before;
    p.not_after = not_after;
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    p.custom_extensions = vec![
        ext::admission(q)?,
        ext::crl_distribution_points(&urls.crl, None)?,
        ext::authority_info_access(&urls.ocsp, &urls.certificate)?,
        ext::subject_key_identifier(subject_key)?,
    ];
    Ok(p)
}
