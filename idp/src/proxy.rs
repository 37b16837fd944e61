//! Proxy applications by licensed professionals (士業) at the platform (TF-PROXY).
//!
//! Model 1: a professional, logged in with their card, registers a document signed with
//! their 士業 key that names that card's certificate; the platform checks the 士業
//! certificate's path and revocation, the signature, and that the card named is the one
//! that logged in, and stores the binding.
//!
//! At a login for an SP that asks for the qualification (its AttributeConsumingService
//! requests `urn:mnctf:attr:profession`), the platform confirms it afresh: model 1 from
//! its registration (the 士業 certificate re-validated and its revocation checked now),
//! otherwise model 2 by asking the aggregate's attribute authorities (AttributeQuery over
//! SOAP), whose signed assertion it hands on for the SP to verify itself. What cannot be
//! confirmed is not asserted; the SP is told why (fail closed, TF-PROXY-003).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use relying_party::revocation::{self, Limits};
use trust_framework::proxy;
use trust_framework::saml::attribute_query::{
    self, AttributeQuery, AttributeQueryError, QuerySubject, QUALIFICATION_ATTRIBUTES,
    STATUS_UNKNOWN_PRINCIPAL,
};
use trust_framework::saml::constants::attr;
use trust_framework::saml::metadata::AttributeAuthorityMetadata;
use trust_framework::saml::response::Attribute;
use trust_framework::x509::{qualification, PathPolicy, Qualification, ValidatedCertificate};
use trust_framework::EntityId;

use crate::error::IdpError;
use crate::platform::Platform;
use crate::sessions::Session;
use crate::store::ProfessionalRecord;

fn attribute(name: &str, value: String) -> Attribute {
    Attribute {
        name: name.to_owned(),
        values: vec![value],
    }
}

fn qualification_attributes(q: &Qualification, source: &str) -> Vec<Attribute> {
    vec![
        attribute(attr::PROFESSION, q.profession.clone()),
        attribute(attr::REGISTRATION_NUMBER, q.registration_number.clone()),
        attribute(attr::ISSUING_BODY, q.body.clone()),
        attribute(attr::QUALIFICATION_SOURCE, source.to_owned()),
    ]
}

impl Platform {
    fn limits(&self) -> Limits {
        Limits {
            now: self.now(),
            skew: time::Duration::seconds(self.config.timing.skew),
            fetch: std::time::Duration::from_millis(self.config.timing.fetch_ms),
        }
    }

    /// A 士業 certificate, path-validated to a configured 士業 CA and not revoked now.
    async fn valid_shigyo_certificate(
        &self,
        der: &[u8],
    ) -> Result<(ValidatedCertificate, Qualification), IdpError> {
        let cert = self
            .professional_anchors
            .validate(der, self.now(), &PathPolicy::default())
            .map_err(|e| {
                IdpError::ProxyRefused(format!(
                    "TF-PROXY-001: the signing certificate is not a valid 士業 certificate: {e}"
                ))
            })?;
        let anchor = self
            .professional_anchor_config(&cert.anchor.label)
            .ok_or_else(|| IdpError::Internal("士業 anchor without configuration".into()))?;
        revocation::check(&self.http, anchor.sources(), &cert, self.limits())
            .await
            .map_err(|e| {
                IdpError::ProxyRefused(format!("TF-PROXY-001: the 士業 certificate is {e}"))
            })?;
        let q = qualification(&cert)
            .map_err(|e| IdpError::ProxyRefused(format!("TF-PROXY-001: {e}")))?;
        Ok((cert, q))
    }

    /// Model 1: registers the signed document (base64) for the person of `session`.
    pub async fn register_professional(
        &self,
        session: &Session,
        document_b64: &str,
    ) -> Result<Qualification, IdpError> {
        let bytes = STANDARD
            .decode(document_b64.trim())
            .map_err(|_| IdpError::ProxyRefused("the registration is not base64".into()))?;
        let xml = String::from_utf8(bytes)
            .map_err(|_| IdpError::ProxyRefused("the registration is not UTF-8".into()))?;
        let refused =
            |e: proxy::RegistrationError| IdpError::ProxyRefused(format!("TF-PROXY-001: {e}"));
        let signer = proxy::signer_certificate(&xml).map_err(refused)?;
        let (cert, q) = self.valid_shigyo_certificate(&signer).await?;
        let registration =
            proxy::verify(&xml, &cert.der, self.entity_id.as_str(), self.now()).map_err(refused)?;
        // The card named must be the card that logged in: nobody registers another's card.
        if registration.card_certificate != session.card_certificate {
            return Err(IdpError::ProxyRefused(
                "TF-PROXY-001: the registration names another card than the one you logged in with"
                    .into(),
            ));
        }
        let record = ProfessionalRecord {
            card_certificate: registration.card_certificate,
            shigyo_certificate: cert.der.clone(),
        };
        self.store
            .register_professional(&session.person, &record, self.now().unix_timestamp())
            .map_err(|e| IdpError::Internal(e.to_string()))?;
        Ok(q)
    }

    /// The qualification attributes for `sp` at this login, or why there are none.
    pub(crate) async fn qualification_attributes(
        &self,
        session: &Session,
        sp: &EntityId,
        name_id: &str,
    ) -> Vec<Attribute> {
        let mut why = Vec::new();
        match self.model1(session).await {
            Ok(Some(q)) => return qualification_attributes(&q, self.entity_id.as_str()),
            Ok(None) => {}
            Err(e) => why.push(e.to_string()),
        }
        for aa in self.attribute_authorities() {
            match self.model2(&aa, session, sp, name_id).await {
                Ok(Some(attrs)) => return attrs,
                Ok(None) => {}
                Err(e) => why.push(format!("{}: {e}", aa.entity_id)),
            }
        }
        if why.is_empty() {
            why.push("no qualification is registered for this card".into());
        }
        vec![attribute(attr::QUALIFICATION_ERROR, why.join("; "))]
    }

    /// Model 1: the stored registration, re-checked now.
    async fn model1(&self, session: &Session) -> Result<Option<Qualification>, IdpError> {
        let Some(record) = self
            .store
            .professional(&session.person)
            .map_err(|e| IdpError::Internal(e.to_string()))?
        else {
            return Ok(None);
        };
        if record.card_certificate != session.card_certificate {
            return Err(IdpError::ProxyRefused(
                "the qualification is registered for another card of yours: register again with this one".into(),
            ));
        }
        // TF-PROXY-003: a revoked or expired 士業 certificate withdraws the qualification.
        let (_, q) = self
            .valid_shigyo_certificate(&record.shigyo_certificate)
            .await?;
        Ok(Some(q))
    }

    /// Model 2: asks `aa` about the card of `session`, for `sp`.
    async fn model2(
        &self,
        aa: &AttributeAuthorityMetadata,
        session: &Session,
        sp: &EntityId,
        name_id: &str,
    ) -> Result<Option<Vec<Attribute>>, IdpError> {
        let q = AttributeQuery {
            id: Platform::new_id(),
            issuer: self.entity_id.to_string(),
            destination: aa.soap_url.clone(),
            issued: self.now(),
            subject: QuerySubject {
                name_id: name_id.to_owned(),
                name_qualifier: self.entity_id.to_string(),
                sp_name_qualifier: sp.to_string(),
                card_certificate: session.card_certificate.clone(),
            },
            attributes: QUALIFICATION_ATTRIBUTES
                .iter()
                .map(|a| (*a).to_owned())
                .collect(),
        };
        let (key, cert, query) = (self.key_der.clone(), self.cert_der.clone(), q.clone());
        let xml =
            tokio::task::spawn_blocking(move || attribute_query::build_query(&query, &key, &cert))
                .await
                .map_err(|e| IdpError::Internal(e.to_string()))?
                .map_err(|e| IdpError::Internal(e.to_string()))?;
        let limit = std::time::Duration::from_millis(self.config.timing.fetch_ms);
        let answer = relying_party::soap::call(
            &self.http,
            &aa.soap_url,
            &attribute_query::soap_wrap(&xml),
            limit,
        )
        .await
        .map_err(|e| {
            IdpError::ProxyRefused(format!("the attribute authority did not answer: {e}"))
        })?;
        let inner = attribute_query::soap_unwrap(&answer).map_err(|e| {
            IdpError::ProxyRefused(format!("the attribute authority's answer: {e}"))
        })?;
        match attribute_query::verify_answer(
            inner,
            &q,
            aa.entity_id.as_str(),
            &aa.signing_certs,
            self.now(),
        ) {
            Ok(a) => {
                let value = |n: &str| a.value(n).map(str::to_owned).unwrap_or_default();
                let q = Qualification {
                    profession: value(attr::PROFESSION),
                    registration_number: value(attr::REGISTRATION_NUMBER),
                    body: value(attr::ISSUING_BODY),
                };
                if q.profession.is_empty() {
                    return Err(IdpError::ProxyRefused(
                        "the attribute authority named no profession".into(),
                    ));
                }
                let mut attrs = qualification_attributes(&q, aa.entity_id.as_str());
                attrs.push(attribute(
                    attr::QUALIFICATION_ASSERTION,
                    STANDARD.encode(&a.xml),
                ));
                Ok(Some(attrs))
            }
            Err(AttributeQueryError::Status { sub: Some(s), .. })
                if s == STATUS_UNKNOWN_PRINCIPAL =>
            {
                Ok(None)
            }
            Err(e) => Err(IdpError::ProxyRefused(format!(
                "the attribute authority's answer is refused: {e}"
            ))),
        }
    }
}
