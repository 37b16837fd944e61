//! Distinguished names, built once and rendered both for rcgen (subjects, issuers) and
//! for x509-cert (directoryName in alternative names and CRL distribution points), with
//! the same string types so the bytes agree.

use const_oid::db::rfc4519;
use const_oid::ObjectIdentifier;
use der::asn1::{Any, SetOfVec};
use der::Tag;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

/// One attribute value with its ASN.1 string type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Text {
    /// PrintableString (country codes, ASCII serials).
    Printable(String),
    /// UTF8String (everything else; Japanese text).
    Utf8(String),
}

/// A DN as an ordered list of single-valued RDNs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dn(Vec<(ObjectIdentifier, Text)>);

impl Dn {
    /// An empty DN.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `C=<code>` (PrintableString).
    pub fn c(self, code: &str) -> Self {
        self.push(rfc4519::C, Text::Printable(code.to_owned()))
    }

    /// Appends `O=`.
    pub fn o(self, v: &str) -> Self {
        self.push(rfc4519::O, Text::Utf8(v.to_owned()))
    }

    /// Appends `OU=`.
    pub fn ou(self, v: &str) -> Self {
        self.push(rfc4519::OU, Text::Utf8(v.to_owned()))
    }

    /// Appends `L=`.
    pub fn l(self, v: &str) -> Self {
        self.push(rfc4519::L, Text::Utf8(v.to_owned()))
    }

    /// Appends `CN=`.
    pub fn cn(self, v: &str) -> Self {
        self.push(rfc4519::CN, Text::Utf8(v.to_owned()))
    }

    /// Appends `title=`.
    pub fn title(self, v: &str) -> Self {
        self.push(rfc4519::TITLE, Text::Utf8(v.to_owned()))
    }

    /// Appends `serialNumber=` (PrintableString).
    pub fn serial_number(self, v: &str) -> Self {
        self.push(rfc4519::SERIAL_NUMBER, Text::Printable(v.to_owned()))
    }

    /// Appends any attribute.
    pub fn push(mut self, oid: ObjectIdentifier, text: Text) -> Self {
        self.0.push((oid, text));
        self
    }

    /// The value of the first attribute of type `oid`.
    pub fn get(&self, oid: ObjectIdentifier) -> Option<&str> {
        self.0
            .iter()
            .find(|(o, _)| *o == oid)
            .map(|(_, t)| match t {
                Text::Printable(s) | Text::Utf8(s) => s.as_str(),
            })
    }

    /// For rcgen.
    pub fn to_rcgen(&self) -> Result<rcgen::DistinguishedName, crate::CaError> {
        // rcgen keeps one value per attribute type, but JPKI names repeat OU and L. A
        // second occurrence goes in as a CustomDnType with the same OID: a different key
        // for rcgen, the same attribute on the wire. A third cannot be expressed.
        let mut dn = rcgen::DistinguishedName::new();
        let mut seen = Vec::new();
        for (oid, text) in &self.0 {
            let arcs: Vec<u64> = oid.arcs().map(u64::from).collect();
            let ty = match seen.iter().filter(|o| *o == oid).count() {
                0 => rcgen::DnType::from_oid(&arcs),
                1 => rcgen::DnType::CustomDnType(arcs),
                _ => {
                    return Err(crate::CaError::Encode(format!(
                        "rcgen cannot write {oid} three times in one name"
                    )))
                }
            };
            seen.push(*oid);
            let value = match text {
                Text::Printable(s) => rcgen::DnValue::PrintableString(s.as_str().try_into()?),
                Text::Utf8(s) => rcgen::DnValue::Utf8String(s.clone()),
            };
            dn.push(ty, value);
        }
        Ok(dn)
    }

    /// For x509-cert.
    pub fn to_name(&self) -> Result<Name, der::Error> {
        let rdns = self
            .0
            .iter()
            .map(|(oid, text)| {
                let value = match text {
                    Text::Printable(s) => Any::new(Tag::PrintableString, s.as_bytes())?,
                    Text::Utf8(s) => Any::new(Tag::Utf8String, s.as_bytes())?,
                };
                let atv = AttributeTypeAndValue { oid: *oid, value };
                Ok(RelativeDistinguishedName(SetOfVec::try_from(vec![atv])?))
            })
            .collect::<Result<Vec<_>, der::Error>>()?;
        Ok(RdnSequence(rdns))
    }
}

impl std::fmt::Display for Dn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(oid, t)| {
                let key = match *oid {
                    rfc4519::C => "C",
                    rfc4519::O => "O",
                    rfc4519::OU => "OU",
                    rfc4519::L => "L",
                    rfc4519::CN => "CN",
                    rfc4519::TITLE => "title",
                    rfc4519::SERIAL_NUMBER => "serialNumber",
                    _ => return format!("{oid}={t:?}"),
                };
                let (Text::Printable(v) | Text::Utf8(v)) = t;
                format!("{key}={v}")
            })
            .collect();
        f.write_str(&parts.join(", "))
    }
}
