//! The qualification a 士業 certificate carries: the Admission extension (Common PKI
//! v2.0 part 1 §3.2, OID 1.3.36.8.3.3): the profession, the registration number and the
//! admitting body. Read by relying parties after the certificate's path validated.

use const_oid::ObjectIdentifier;
use der::asn1::{Any, OctetString, PrintableString};
use der::{Decode, Sequence};
use x509_cert::ext::pkix::name::{DirectoryString, GeneralName};

use super::ValidatedCertificate;

/// id-isismtt-at-admission.
pub const ID_ADMISSION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.8.3.3");

/// A professional qualification (資格) as a certificate states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Qualification {
    /// The profession, as the body names it (e.g. `税理士`).
    pub profession: String,
    /// The registration number at the body (登録番号).
    pub registration_number: String,
    /// The admitting body's name (e.g. `O=日本税理士会連合会,C=JP`).
    pub body: String,
}

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

/// Why a certificate states no usable qualification.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AdmissionError {
    /// No Admission extension.
    #[error("the certificate carries no qualification (no Admission extension)")]
    Missing,
    /// The extension does not decode or lacks a field.
    #[error("the Admission extension is malformed: {0}")]
    Malformed(String),
}

fn directory_string(s: &DirectoryString) -> Option<String> {
    match s {
        DirectoryString::Utf8String(s) => Some(s.clone()),
        DirectoryString::PrintableString(s) => Some(s.to_string()),
        _ => None,
    }
}

/// The qualification of a path-validated certificate (only such a certificate's claims
/// mean anything).
pub fn qualification(cert: &ValidatedCertificate) -> Result<Qualification, AdmissionError> {
    let ext = cert
        .certificate
        .tbs_certificate
        .extensions
        .as_deref()
        .unwrap_or_default()
        .iter()
        .find(|e| e.extn_id == ID_ADMISSION)
        .ok_or(AdmissionError::Missing)?;
    let syntax = AdmissionSyntax::from_der(ext.extn_value.as_bytes())
        .map_err(|e| AdmissionError::Malformed(e.to_string()))?;
    let admission = syntax
        .contents_of_admissions
        .first()
        .ok_or_else(|| AdmissionError::Malformed("no admission".into()))?;
    let info = admission
        .profession_infos
        .first()
        .ok_or_else(|| AdmissionError::Malformed("no professionInfo".into()))?;
    let profession = info
        .profession_items
        .first()
        .and_then(directory_string)
        .ok_or_else(|| AdmissionError::Malformed("no professionItem".into()))?;
    let registration_number = info
        .registration_number
        .as_ref()
        .map(|n| n.to_string())
        .ok_or_else(|| AdmissionError::Malformed("no registrationNumber".into()))?;
    let body = match admission
        .admission_authority
        .as_ref()
        .or(syntax.admission_authority.as_ref())
    {
        Some(GeneralName::DirectoryName(name)) => name.to_string(),
        _ => {
            return Err(AdmissionError::Malformed(
                "no admissionAuthority directoryName".into(),
            ))
        }
    };
    Ok(Qualification {
        profession,
        registration_number,
        body,
    })
}
