//! The trust-framework profile's requirement IDs: the one registry code and tests cite.
//! `docs/profile/v0.1.md` describes each; a test keeps the two lists equal.

/// A requirement of the profile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Requirement {
    /// `TF-<AREA>-<NNN>`.
    pub id: &'static str,
    /// One line.
    pub summary: &'static str,
}

macro_rules! requirements {
    ($($id:literal => $summary:literal,)*) => {
        /// Every requirement of profile v0.1, in document order.
        pub const REQUIREMENTS: &[Requirement] = &[$(Requirement { id: $id, summary: $summary },)*];
    };
}

requirements! {
    "TF-BIND-001" => "challenge is the canonical mnctf-card-login/1 text",
    "TF-BIND-002" => "nonce: 32 random bytes, one transaction, single use",
    "TF-BIND-003" => "challenge expires within 120 s",
    "TF-BIND-004" => "card signs SHA-256 DigestInfo with the user-authentication key; verified with the presented certificate",
    "TF-BIND-005" => "client checks endpoint and expiry before the PIN",
    "TF-BIND-006" => "TLS client-auth binding allows TLS 1.2 with rsa_pkcs1_sha256",
    "TF-PKI-001" => "path to a configured JPKI anchor, issuer by signature",
    "TF-PKI-002" => "sha256WithRSAEncryption only",
    "TF-PKI-003" => "within validity at login",
    "TF-PKI-004" => "keyUsage, policy, EKU, no unknown critical extension",
    "TF-PKI-005" => "OCSP with nonce at every login, authorised signer, current",
    "TF-PKI-006" => "CRL fallback; fail closed",
    "TF-PKI-007" => "time and size limits on revocation fetches",
    "TF-PKI-008" => "renewed card keeps the person through the CA's link",
    "TF-IDP-001" => "metadata with key, SSO Redirect and POST, SLO",
    "TF-IDP-002" => "requests only from SPs in metadata",
    "TF-IDP-003" => "ACS exactly from metadata; no open redirect",
    "TF-IDP-004" => "signed requests where metadata says so; signed content only",
    "TF-IDP-005" => "request IssueInstant within 5 minutes",
    "TF-IDP-006" => "Response and Assertion signed, RSA-SHA256, exc-c14n",
    "TF-IDP-007" => "Audience, Recipient, InResponseTo, validity at most 5 minutes",
    "TF-IDP-008" => "persistent pairwise NameID",
    "TF-IDP-009" => "JPKI AuthnContext class; NoAuthnContext otherwise",
    "TF-IDP-010" => "SSO session across SPs; SessionIndex",
    "TF-IDP-011" => "ForceAuthn asks the card again",
    "TF-IDP-012" => "IsPassive: NoPassive without session",
    "TF-IDP-013" => "front-channel Single Logout to every SP",
    "TF-IDP-014" => "signed error Responses with status codes",
    "TF-IDP-015" => "malformed or oversized input refused without a crash",
    "TF-IDP-016" => "authn-channel and authenticating-authority attributes",
    "TF-IDP-017" => "every message valid against the SAML 2.0 schemas",
    "TF-IDP-018" => "pages not framed by other sites, cookies HttpOnly (Secure over https)",
    "TF-SP-001" => "signature against the platform's metadata key",
    "TF-SP-002" => "signed content only; no markup in NameID",
    "TF-SP-003" => "Audience, Recipient, Destination, InResponseTo, time",
    "TF-SP-004" => "no replay",
    "TF-SP-005" => "card AuthnContext required where needed",
    "TF-SP-006" => "ACS from own metadata; no RelayState open redirect",
    "TF-SP-007" => "RSA-SHA256 / SHA-256 / exc-c14n only",
    "TF-SP-008" => "no DTDs, one root, nothing fetched",
    "TF-SP-009" => "SHOULD refuse unsolicited Responses",
    "TF-SP-010" => "act only on a signed LogoutRequest for its session",
    "TF-SP-011" => "encrypted assertions: every check after decryption; GCM and OAEP",
    "TF-SP-012" => "required elements and attributes present, once, well-formed",
    "TF-MD-001" => "signed aggregate verified against the operator's key",
    "TF-MD-002" => "expired or badly signed aggregate refused",
    "TF-MD-003" => "trust decisions from the aggregate alone",
    "TF-BANK-001" => "bank as SP; first-use account linking",
    "TF-BANK-002" => "signed payment request and notice; tampering and replay refused",
    "TF-CATV-001" => "CATV IdP via the hub; same NameID; channel named",
    "TF-PROXY-001" => "model 1: signed registration with a 士業 key",
    "TF-PROXY-002" => "model 2: attribute authority over SOAP to federation members",
    "TF-PROXY-003" => "qualification asserted only on request and confirmed at that login; fail closed with the reason",
    "TF-PROXY-004" => "model 2 registration proves both keys",
    "TF-PROXY-005" => "the SP verifies the authority's assertion itself",
    "TF-PROXY-006" => "proxy application names the client; profession allowed for the procedure",
}

/// The requirement with this ID.
pub fn find(id: &str) -> Option<&'static Requirement> {
    REQUIREMENTS.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_and_document_list_the_same_ids() {
        let doc = include_str!("../../docs/profile/v0.1.md");
        let in_doc: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| TF-"))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        let in_code: Vec<String> = REQUIREMENTS
            .iter()
            .map(|r| r.id.trim_start_matches("TF-").to_owned())
            .collect();
        assert_eq!(in_doc, in_code);
        let unique: std::collections::HashSet<_> = in_code.iter().collect();
        assert_eq!(unique.len(), in_code.len(), "ids are unique");
    }
}
