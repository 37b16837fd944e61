//! URIs of SAML and of the trust-framework profile.

/// SAML 2.0 assertion namespace.
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// SAML 2.0 protocol namespace.
pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
/// SAML 2.0 metadata namespace.
pub const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
/// The metadata user-interface extension (display names).
pub const NS_MDUI: &str = "urn:oasis:names:tc:SAML:metadata:ui";
/// Metadata entity attributes namespace (SAML V2.0 Metadata Extension for Entity Attributes).
pub const NS_MDATTR: &str = "urn:oasis:names:tc:SAML:metadata:attribute";
/// XML-DSig namespace.
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// HTTP-Redirect binding.
pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
/// HTTP-POST binding.
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";
/// SOAP binding.
pub const BINDING_SOAP: &str = "urn:oasis:names:tc:SAML:2.0:bindings:SOAP";

/// RSA-SHA256 signature method.
pub const ALG_RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
/// SHA-256 digest method.
pub const ALG_SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
/// Exclusive canonicalisation.
pub const ALG_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
/// The enveloped-signature transform.
pub const ALG_ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// Top-level status codes (SAML Core §3.2.2.2).
pub mod status {
    /// Success.
    pub const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
    /// The request could not be performed due to an error on the part of the requester.
    pub const REQUESTER: &str = "urn:oasis:names:tc:SAML:2.0:status:Requester";
    /// The request could not be performed due to an error on the part of the responder.
    pub const RESPONDER: &str = "urn:oasis:names:tc:SAML:2.0:status:Responder";
    /// Second-level: the IdP cannot authenticate passively (IsPassive and no session).
    pub const NO_PASSIVE: &str = "urn:oasis:names:tc:SAML:2.0:status:NoPassive";
    /// Second-level: authentication failed.
    pub const AUTHN_FAILED: &str = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed";
    /// Second-level: the requested authentication context cannot be met.
    pub const NO_AUTHN_CONTEXT: &str = "urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext";
    /// Second-level: the requested NameID format is not supported.
    pub const INVALID_NAMEID_POLICY: &str =
        "urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy";
    /// Second-level: the request is not supported (e.g. a bad binding).
    pub const REQUEST_UNSUPPORTED: &str = "urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported";
}

/// The profile's authentication context class: the user authenticated with the JPKI
/// user-authentication certificate on a My Number Card (TF-IDP-AC).
pub const AC_JPKI_USER_AUTH: &str = "urn:mnctf:ac:classes:jpki-user-authentication";

/// The bearer subject-confirmation method.
pub const CM_BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";

/// Attribute names of the profile (NameFormat uri).
pub mod attr {
    /// How the card reached the platform: `direct` or the name of a channel (e.g. `catv`).
    pub const AUTHN_CHANNEL: &str = "urn:mnctf:attr:authn-channel";
    /// The entity that authenticated the card (the platform, or a CATV IdP).
    pub const AUTHENTICATING_AUTHORITY: &str = "urn:mnctf:attr:authenticating-authority";
    /// The card's user-authentication certificate (base64 DER), released by a card IdP to
    /// the platform only, so that the platform can find the person (TF-CATV-001).
    pub const CARD_CERTIFICATE: &str = "urn:mnctf:attr:card-certificate";
    /// A professional's profession (資格), e.g. `税理士` (TF-PROXY).
    pub const PROFESSION: &str = "urn:mnctf:attr:profession";
    /// Their registration number at the body (登録番号).
    pub const REGISTRATION_NUMBER: &str = "urn:mnctf:attr:registration-number";
    /// The body that admitted them (e.g. `O=日本税理士会連合会,C=JP`).
    pub const ISSUING_BODY: &str = "urn:mnctf:attr:issuing-body";
    /// Who confirmed the qualification: the platform (model 1) or an attribute
    /// authority's entityID (model 2).
    pub const QUALIFICATION_SOURCE: &str = "urn:mnctf:attr:qualification-source";
    /// Model 2: the attribute authority's signed assertion (base64), for the SP to verify.
    pub const QUALIFICATION_ASSERTION: &str = "urn:mnctf:attr:qualification-assertion";
    /// Why a requested qualification could not be confirmed (fail closed, in words).
    pub const QUALIFICATION_ERROR: &str = "urn:mnctf:attr:qualification-error";
    /// The NameFormat of these attributes.
    pub const NAME_FORMAT_URI: &str = "urn:oasis:names:tc:SAML:2.0:attrname-format:uri";
}

/// The entity attribute naming an entity's categories (REFEDS / MACE-Dir).
pub const ENTITY_CATEGORY: &str = "http://macedir.org/entity-category";
/// The entity attribute naming the assurance an entity is certified for.
pub const ASSURANCE_CERTIFICATION: &str =
    "urn:oasis:names:tc:SAML:attribute:assurance-certification";

/// Entity categories of the federation: what the operator registered a party as. Trust
/// decisions that depend on a party's role read these, never a party's own claim.
pub mod category {
    /// The personal authentication platform (the hub IdP).
    pub const PLATFORM: &str = "urn:mnctf:category:platform";
    /// A government system (行政機関のシステム).
    pub const GOVERNMENT: &str = "urn:mnctf:category:government";
    /// A financial institution (金融機関).
    pub const BANK: &str = "urn:mnctf:category:bank";
    /// An IdP that authenticates cards on a channel of its own (e.g. a CATV operator's
    /// set-top boxes); the platform accepts its assertions as a hub (TF-CATV-001).
    pub const CARD_IDP: &str = "urn:mnctf:category:card-idp";
    /// A CATV operator (ケーブルテレビ事業者).
    pub const CATV: &str = "urn:mnctf:category:catv";
    /// A 士業 body's attribute authority (proxy model 2).
    pub const ATTRIBUTE_AUTHORITY: &str = "urn:mnctf:category:attribute-authority";
}
