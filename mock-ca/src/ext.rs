//! X.509 extensions rcgen does not write itself, DER-encoded with x509-cert types.

use const_oid::db::rfc5280;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, Ia5String, OctetString, PrintableString};
use der::{Decode, Encode, Sequence, Tag};
use rcgen::CustomExtension;
use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::RsaPublicKey;
use sha1::{Digest, Sha1};
use x509_cert::ext::pkix::certpolicy::PolicyInformation;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DirectoryString, DistributionPointName, GeneralName, OtherName};
use x509_cert::ext::pkix::{
    AccessDescription, AuthorityInfoAccessSyntax, CertificatePolicies, CrlDistributionPoints,
    IssuerAltName, SubjectAltName, SubjectKeyIdentifier,
};

use crate::names::Dn;

/// Object identifiers of the JPKI profile and of the qualification extension.
pub mod oid {
    use const_oid::ObjectIdentifier;

    /// otherName 氏名 (name).
    pub const JPKI_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.1");
    /// otherName 氏名代替文字の使用位置 (substitute characters in the name).
    pub const JPKI_NAME_SUBSTITUTES: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.2");
    /// otherName 性別 (gender: 1 male, 2 female, 3 unknown).
    pub const JPKI_GENDER: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.3");
    /// otherName 生年月日 (birth date, `EYYYYMMDD`, E = era).
    pub const JPKI_BIRTH_DATE: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.4");
    /// otherName 住所 (address).
    pub const JPKI_ADDRESS: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.5");
    /// otherName 住所代替文字の使用位置 (substitute characters in the address).
    pub const JPKI_ADDRESS_SUBSTITUTES: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.5.6");
    /// Certificate policy of user-authentication certificates (jsrsasign's
    /// "jpki-cp-auth-class30"; unconfirmed on a real certificate).
    pub const JPKI_POLICY_AUTH: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.3.30");
    /// Certificate policy of signature certificates on JPKI-TEST cards.
    pub const JPKI_POLICY_SIGN_TEST: ObjectIdentifier =
        ObjectIdentifier::new_unwrap("1.2.392.200149.8.5.1.0.20");
    /// Common PKI (ISIS-MTT) Admission extension: profession, registration number and
    /// admitting body. Used here for 士業 qualifications.
    pub const ADMISSION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.8.3.3");
    /// id-ad-ocsp.
    pub const AD_OCSP: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.1");
    /// id-ad-caIssuers.
    pub const AD_CA_ISSUERS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.48.2");
}

/// Why an extension could not be encoded.
pub type EncodeResult<T> = Result<T, der::Error>;

fn custom(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> EncodeResult<CustomExtension> {
    let arcs: Vec<u64> = oid.arcs().map(u64::from).collect();
    let mut ext = CustomExtension::from_oid_content(&arcs, value.to_der()?);
    ext.set_criticality(critical);
    Ok(ext)
}

/// certificatePolicies, non-critical (rustls-webpki rejects a critical one).
pub fn certificate_policies(policies: &[ObjectIdentifier]) -> EncodeResult<CustomExtension> {
    let value = CertificatePolicies(
        policies
            .iter()
            .map(|&policy_identifier| PolicyInformation {
                policy_identifier,
                policy_qualifiers: None,
            })
            .collect(),
    );
    custom(rfc5280::ID_CE_CERTIFICATE_POLICIES, false, &value)
}

/// An otherName whose value is a UTF8String in `[0] EXPLICIT`, as JPKI's are.
pub fn other_name_utf8(type_id: ObjectIdentifier, value: &str) -> EncodeResult<GeneralName> {
    Ok(GeneralName::OtherName(OtherName {
        type_id,
        value: Any::new(Tag::Utf8String, value.as_bytes())?,
    }))
}

/// A directoryName.
pub fn directory_name(dn: &Dn) -> EncodeResult<GeneralName> {
    Ok(GeneralName::DirectoryName(dn.to_name()?))
}

/// subjectAltName.
pub fn subject_alt_name(names: Vec<GeneralName>) -> EncodeResult<CustomExtension> {
    custom(
        rfc5280::ID_CE_SUBJECT_ALT_NAME,
        false,
        &SubjectAltName(names),
    )
}

/// issuerAltName.
pub fn issuer_alt_name(names: Vec<GeneralName>) -> EncodeResult<CustomExtension> {
    custom(rfc5280::ID_CE_ISSUER_ALT_NAME, false, &IssuerAltName(names))
}

/// cRLDistributionPoints with one point whose fullName holds a URL (where our CRL is
/// served) and, as JPKI's do, a directoryName.
pub fn crl_distribution_points(url: &str, dir: Option<&Dn>) -> EncodeResult<CustomExtension> {
    let mut full = vec![GeneralName::UniformResourceIdentifier(Ia5String::new(url)?)];
    if let Some(dn) = dir {
        full.push(directory_name(dn)?);
    }
    let point = DistributionPoint {
        distribution_point: Some(DistributionPointName::FullName(full)),
        reasons: None,
        crl_issuer: None,
    };
    custom(
        rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
        false,
        &CrlDistributionPoints(vec![point]),
    )
}

/// authorityInfoAccess: the OCSP responder and where the issuer's certificate is.
pub fn authority_info_access(
    ocsp_url: &str,
    ca_issuers_url: &str,
) -> EncodeResult<CustomExtension> {
    let uri =
        |u: &str| Ok::<_, der::Error>(GeneralName::UniformResourceIdentifier(Ia5String::new(u)?));
    let value = AuthorityInfoAccessSyntax(vec![
        AccessDescription {
            access_method: oid::AD_OCSP,
            access_location: uri(ocsp_url)?,
        },
        AccessDescription {
            access_method: oid::AD_CA_ISSUERS,
            access_location: uri(ca_issuers_url)?,
        },
    ]);
    custom(rfc5280::ID_PE_AUTHORITY_INFO_ACCESS, false, &value)
}

/// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (JPKI's choice).
pub fn key_id(public: &RsaPublicKey) -> EncodeResult<Vec<u8>> {
    let pkcs1 = public
        .to_pkcs1_der()
        .map_err(|_| der::Error::from(der::ErrorKind::Failed))?;
    Ok(Sha1::digest(pkcs1.as_bytes()).to_vec())
}

/// subjectKeyIdentifier, written last as JPKI end-entity certificates have it.
pub fn subject_key_identifier(public: &RsaPublicKey) -> EncodeResult<CustomExtension> {
    let value = SubjectKeyIdentifier(OctetString::new(key_id(public)?)?);
    custom(rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER, false, &value)
}

/// A 士業 qualification as the Admission extension carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qualification {
    /// The profession in Japanese, e.g. `税理士` (the first professionItem).
    pub profession: String,
    /// The registration number at the body (registrationNumber).
    pub registration_number: String,
    /// The admitting body (admissionAuthority, a directoryName).
    pub body: Dn,
}

/// `AdmissionSyntax` (Common PKI v2.0 part 1 §3.2, OID 1.3.36.8.3.3).
#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct AdmissionSyntax {
    admission_authority: Option<GeneralName>,
    contents_of_admissions: Vec<Admissions>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct Admissions {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    admission_authority: Option<GeneralName>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    naming_authority: Option<Any>,
    profession_infos: Vec<ProfessionInfo>,
}

#[derive(Clone, Debug, Eq, PartialEq, Sequence)]
struct ProfessionInfo {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    naming_authority: Option<Any>,
    profession_items: Vec<DirectoryString>,
    profession_oids: Option<Vec<ObjectIdentifier>>,
    registration_number: Option<PrintableString>,
    add_profession_info: Option<OctetString>,
}

/// The Admission extension for a qualification, non-critical.
pub fn admission(q: &Qualification) -> EncodeResult<CustomExtension> {
    let value = AdmissionSyntax {
        admission_authority: Some(directory_name(&q.body)?),
        contents_of_admissions: vec![Admissions {
            admission_authority: None,
            naming_authority: None,
            profession_infos: vec![ProfessionInfo {
                naming_authority: None,
                profession_items: vec![DirectoryString::Utf8String(q.profession.clone())],
                profession_oids: None,
                registration_number: Some(PrintableString::new(&q.registration_number)?),
                add_profession_info: None,
            }],
        }],
    };
    custom(oid::ADMISSION, false, &value)
}

/// Reads the qualification back out of an Admission extension value: profession,
/// registration number and the body's name (rendered as text).
pub fn parse_admission(value: &[u8]) -> EncodeResult<(String, String, String)> {
    let syntax = AdmissionSyntax::from_der(value)?;
    let info = syntax
        .contents_of_admissions
        .first()
        .and_then(|a| a.profession_infos.first())
        .ok_or_else(|| der::Error::from(der::ErrorKind::Failed))?;
    let profession = match info.profession_items.first() {
        Some(DirectoryString::Utf8String(s)) => s.clone(),
        Some(DirectoryString::PrintableString(s)) => s.to_string(),
        _ => return Err(der::ErrorKind::Failed.into()),
    };
    let number = info
        .registration_number
        .as_ref()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let body = match &syntax.admission_authority {
        Some(GeneralName::DirectoryName(name)) => name.to_string(),
        _ => String::new(),
    };
    Ok((profession, number, body))
}
