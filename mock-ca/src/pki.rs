//! The whole test PKI: JPKI CAs, an unknown look-alike CA, the 士業 CAs, and the
//! personas, deterministic from a seed.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsa::RsaPrivateKey;
use sha2::{Digest, Sha256};
use time::{Date, Duration, OffsetDateTime, Time};

use crate::authority::{Authority, Reason, Urls};
use crate::clock::Clock;
use crate::ext::Qualification;
use crate::holder::{fifth_birthday_after, Gender, Holder};
use crate::keys::{KeyStore, DEFAULT_SEED};
use crate::persona::{CardCredentials, Credential, Persona, PersonaId, ProfessionalCredential};
use crate::profile::{self, JpkiPurpose, Profession};
use crate::CaError;
use mock_card::{Pin, PinKind};

/// CA ids.
pub mod ca {
    /// JPKI user-authentication CA.
    pub const JPKI_AUTH: &str = "jpki-auth";
    /// JPKI signature CA.
    pub const JPKI_SIGN: &str = "jpki-sign";
    /// A CA with the JPKI user-authentication CA's name and another key: trusted by nobody.
    pub const ROGUE_AUTH: &str = "rogue-auth";
    /// The same for signatures.
    pub const ROGUE_SIGN: &str = "rogue-sign";
}

/// What to build.
#[derive(Clone, Debug)]
pub struct PkiConfig {
    /// Keys, serials and ids are functions of the seed.
    pub seed: String,
    /// The build time: personas' certificates are issued relative to it.
    pub now: OffsetDateTime,
    /// Where the CA service answers (`http://127.0.0.1:PORT`): goes into CRL DP and AIA.
    pub base_url: String,
    /// Where generated keys are cached.
    pub key_cache: Option<PathBuf>,
    /// Whether to take keys from the committed bundle (off only to regenerate it).
    pub use_key_bundle: bool,
}

impl PkiConfig {
    /// The default seed, today (midnight UTC: two processes building the PKI on the same
    /// day get the same certificates), the given base URL and the default key cache.
    pub fn new(base_url: &str) -> Self {
        Self {
            seed: DEFAULT_SEED.to_owned(),
            now: midnight(OffsetDateTime::now_utc()),
            base_url: base_url.trim_end_matches('/').to_owned(),
            key_cache: KeyStore::default_cache_dir(),
            use_key_bundle: true,
        }
    }
}

/// Services that get a key and a self-signed certificate for SAML metadata (their keys
/// are in the committed bundle).
pub const SERVICES: [&str; 9] = [
    "idp",
    "sp-1",
    "sp-2",
    "sp-3",
    "catv-idp",
    "attribute-authority",
    "federation-operator",
    // The conformance suite playing an IdP, and the attacker key it re-signs forgeries with.
    "conformance-idp",
    "conformance-attacker",
];

/// A service's SAML signing credential: key and self-signed certificate.
#[derive(Clone, Debug)]
pub struct ServiceCredential {
    /// The private key.
    pub key: Arc<RsaPrivateKey>,
    /// The self-signed certificate, DER.
    pub certificate: Vec<u8>,
}

/// The CA's record that a renewed card replaces an old one (新旧紐付け).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenewalLink {
    /// The CA that issued both.
    pub ca_id: String,
    /// Serial of the old user-authentication certificate.
    pub old_serial: Vec<u8>,
    /// Serial of the new one.
    pub new_serial: Vec<u8>,
    /// When the new card was issued.
    pub at: OffsetDateTime,
}

/// The built PKI.
#[derive(Debug)]
pub struct Pki {
    config: PkiConfig,
    clock: Clock,
    keys: KeyStore,
    authorities: BTreeMap<String, Arc<Authority>>,
    personas: BTreeMap<PersonaId, Persona>,
    renewals: std::sync::RwLock<Vec<RenewalLink>>,
}

/// 32 bytes derived from the seed and a label.
fn derive(seed: &str, label: &str) -> [u8; 32] {
    Sha256::digest(format!("mnctf-derive\0{seed}\0{label}")).into()
}

/// A positive 16-byte serial with no leading zero byte.
fn serial(seed: &str, label: &str) -> Vec<u8> {
    let mut s = derive(seed, label)[..16].to_vec();
    s[0] = (s[0] & 0x7F) | 0x40;
    s
}

/// A 23-character upper-case alphanumeric id, like the CN of real JPKI certificates.
fn opaque_id(seed: &str, label: &str) -> String {
    const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let bytes = derive(seed, &format!("cn/{label}"));
    bytes[..23]
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % 36]))
        .collect()
}

fn midnight(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(Time::MIDNIGHT)
}

impl Pki {
    /// Builds everything. Fast when the keys are bundled or cached (no RSA generation).
    pub fn build(config: PkiConfig, clock: Clock) -> Result<Self, CaError> {
        let mut keys = KeyStore::new(&config.seed, config.key_cache.clone());
        if !config.use_key_bundle {
            keys = keys.without_bundle();
        }
        let mut pki = Self {
            config,
            clock,
            keys,
            authorities: BTreeMap::new(),
            personas: BTreeMap::new(),
            renewals: std::sync::RwLock::default(),
        };
        pki.build_authorities()?;
        for id in PersonaId::ALL {
            let persona = pki.build_persona(id)?;
            pki.personas.insert(id, persona);
        }
        Ok(pki)
    }

    /// The configuration it was built from.
    pub fn config(&self) -> &PkiConfig {
        &self.config
    }

    /// The clock the CAs and responders read.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The key store (to write a bundle, or to see what had to be generated).
    pub fn keys(&self) -> &KeyStore {
        &self.keys
    }

    /// A CA by id.
    pub fn authority(&self, id: &str) -> Option<&Arc<Authority>> {
        self.authorities.get(id)
    }

    /// Every CA.
    pub fn authorities(&self) -> impl Iterator<Item = &Arc<Authority>> {
        self.authorities.values()
    }

    /// The CAs a relying party trusts: both JPKI CAs and the 士業 CAs, not the rogue ones.
    pub fn trust_anchors(&self) -> Vec<&Arc<Authority>> {
        self.authorities
            .values()
            .filter(|a| !a.id().starts_with("rogue"))
            .collect()
    }

    /// A persona.
    pub fn persona(&self, id: PersonaId) -> &Persona {
        // Every id in PersonaId::ALL is built in `build`, so the map is total.
        &self.personas[&id]
    }

    /// Every persona, in report order.
    pub fn personas(&self) -> impl Iterator<Item = &Persona> {
        self.personas.values()
    }

    /// The renewal records.
    pub fn renewals(&self) -> Vec<RenewalLink> {
        self.links().clone()
    }

    /// The renewal that replaced the certificate with `old_serial`, if any.
    pub fn successor_of(&self, old_serial: &[u8]) -> Option<RenewalLink> {
        self.links()
            .iter()
            .find(|l| l.old_serial == old_serial)
            .cloned()
    }

    /// The renewal that issued the certificate with `new_serial`, if any.
    pub fn predecessor_of(&self, new_serial: &[u8]) -> Option<RenewalLink> {
        self.links()
            .iter()
            .find(|l| l.new_serial == new_serial)
            .cloned()
    }

    fn links(&self) -> std::sync::RwLockReadGuard<'_, Vec<RenewalLink>> {
        self.renewals
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Renews `id`'s card now, as the CA does when a citizen gets a new card while the
    /// relying parties have seen the old one: a new card for the same holder (its keys
    /// from the seed, so the same every run), the current certificates revoked as
    /// superseded, and the link recorded. The persona with the new card.
    pub fn renew_now(&self, id: PersonaId) -> Result<Persona, CaError> {
        let old = self.persona(id);
        let now = self.config.now;
        let new = self.issue_card(
            &format!("persona/{}/renewed-now", id.slug()),
            &old.holder,
            (ca::JPKI_AUTH, ca::JPKI_SIGN),
            old.card.sign.is_some(),
            midnight(now - Duration::days(1)),
            fifth_birthday_after(now.date(), old.holder.birth_date),
        )?;
        self.ca(ca::JPKI_AUTH)?
            .revoke(&old.card.auth.issued.serial, now, Reason::Superseded)?;
        if let Some(sign) = &old.card.sign {
            self.ca(ca::JPKI_SIGN)?
                .revoke(&sign.issued.serial, now, Reason::Superseded)?;
        }
        self.renewals
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(RenewalLink {
                ca_id: ca::JPKI_AUTH.to_owned(),
                old_serial: old.card.auth.issued.serial.clone(),
                new_serial: new.auth.issued.serial.clone(),
                at: now,
            });
        let mut renewed = old.clone();
        renewed.previous_card = Some(std::mem::replace(&mut renewed.card, new));
        Ok(renewed)
    }

    fn urls(&self, id: &str) -> Urls {
        let base = &self.config.base_url;
        Urls {
            crl: format!("{base}/crl/{id}.crl"),
            ocsp: format!("{base}/ocsp/{id}"),
            certificate: format!("{base}/ca/{id}.cer"),
        }
    }

    fn key(&self, label: &str) -> Result<Arc<RsaPrivateKey>, CaError> {
        Ok(self.keys.key(label)?)
    }

    fn build_authorities(&mut self) -> Result<(), CaError> {
        // Like J-LIS's generations: 10 years, ending 23:59:59 JST.
        let start = midnight(self.config.now - Duration::days(365));
        let end = start + Duration::days(3652) - Duration::hours(9) - Duration::seconds(1);
        let seed = self.config.seed.clone();
        let jpki = [
            (
                ca::JPKI_AUTH,
                JpkiPurpose::UserAuthentication,
                "ca/jpki-auth",
            ),
            (ca::JPKI_SIGN, JpkiPurpose::Signature, "ca/jpki-sign"),
            (
                ca::ROGUE_AUTH,
                JpkiPurpose::UserAuthentication,
                "ca/rogue-auth",
            ),
            (ca::ROGUE_SIGN, JpkiPurpose::Signature, "ca/rogue-sign"),
        ];
        for (id, purpose, label) in jpki {
            let params = profile::jpki_ca(purpose, start, end)?;
            let auth = Authority::self_signed(
                id,
                profile::jpki_ca_dn(purpose),
                self.key(label)?,
                params,
                serial(&seed, label),
                self.urls(id),
            )?;
            self.authorities.insert(id.to_owned(), Arc::new(auth));
        }
        for profession in Profession::ALL {
            let id = profession.ca_id();
            let label = format!("ca/{id}");
            let params = profile::shigyo_ca(profession, start, end)?;
            let auth = Authority::self_signed(
                id,
                profession.ca_dn(),
                self.key(&label)?,
                params,
                serial(&seed, &label),
                self.urls(id),
            )?;
            self.authorities.insert(id.to_owned(), Arc::new(auth));
        }
        Ok(())
    }

    fn ca(&self, id: &str) -> Result<&Arc<Authority>, CaError> {
        self.authorities
            .get(id)
            .ok_or_else(|| CaError::UnknownAuthority(id.to_owned()))
    }

    fn issue_card(
        &self,
        label: &str,
        holder: &Holder,
        cas: (&str, &str),
        with_sign: bool,
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
    ) -> Result<CardCredentials, CaError> {
        let seed = &self.config.seed;
        let (auth_ca, sign_ca) = (self.ca(cas.0)?, self.ca(cas.1)?);
        let auth_key = self.key(&format!("{label}/auth"))?;
        let auth_params = profile::user_auth(
            &opaque_id(seed, &format!("{label}/auth")),
            not_before,
            not_after,
            auth_ca.urls(),
            &auth_key.to_public_key(),
        )?;
        let auth = Credential {
            issued: auth_ca.issue(
                auth_params,
                &auth_key.to_public_key(),
                serial(seed, &format!("{label}/auth")),
            )?,
            key: auth_key,
            ca_certificate: auth_ca.certificate().to_vec(),
            ca_id: cas.0.to_owned(),
        };
        let sign = if with_sign {
            let key = self.key(&format!("{label}/sign"))?;
            let params = profile::signature(
                &opaque_id(seed, &format!("{label}/sign")),
                holder,
                not_before,
                not_after,
                sign_ca.urls(),
                &key.to_public_key(),
            )?;
            Some(Credential {
                issued: sign_ca.issue(
                    params,
                    &key.to_public_key(),
                    serial(seed, &format!("{label}/sign")),
                )?,
                key,
                ca_certificate: sign_ca.certificate().to_vec(),
                ca_id: cas.1.to_owned(),
            })
        } else {
            None
        };
        Ok(CardCredentials {
            auth,
            sign,
            sign_ca_certificate: sign_ca.certificate().to_vec(),
        })
    }

    fn build_persona(&mut self, id: PersonaId) -> Result<Persona, CaError> {
        let now = self.config.now;
        let holder = holder_for(id, now.date());
        let issued_at = midnight(now - Duration::days(30));
        let valid_to = fifth_birthday_after(issued_at.date(), holder.birth_date);
        let label = format!("persona/{}", id.slug());
        let jpki = (ca::JPKI_AUTH, ca::JPKI_SIGN);
        let (from, to) = match id {
            // Issued five years ago; its fifth birthday after issue was yesterday.
            PersonaId::AuthExpired => (
                midnight(now - Duration::days(5 * 365 - 30)),
                fifth_birthday_after(
                    (now - Duration::days(5 * 365 - 30)).date(),
                    holder.birth_date,
                ),
            ),
            _ => (issued_at, valid_to),
        };
        let cas = if id == PersonaId::UnknownCa {
            (ca::ROGUE_AUTH, ca::ROGUE_SIGN)
        } else {
            jpki
        };
        let card = self.issue_card(&label, &holder, cas, id != PersonaId::NoSignCert, from, to)?;
        let revoke_at = issued_at + Duration::days(1);
        match id {
            PersonaId::AuthRevoked => self.ca(ca::JPKI_AUTH)?.revoke(
                &card.auth.issued.serial,
                revoke_at,
                Reason::KeyCompromise,
            )?,
            PersonaId::SignRevoked => {
                let sign = card
                    .sign
                    .as_ref()
                    .ok_or(CaError::UnknownAuthority("sign".into()))?;
                self.ca(ca::JPKI_SIGN)?.revoke(
                    &sign.issued.serial,
                    revoke_at,
                    Reason::AffiliationChanged,
                )?;
            }
            _ => {}
        }
        let previous_card = if id == PersonaId::Renewed {
            Some(self.renew(&label, &holder, &card, issued_at)?)
        } else {
            None
        };
        let professional = id
            .profession()
            .map(|p| self.issue_professional(&label, &holder, p, issued_at))
            .transpose()?;
        Ok(Persona {
            id,
            holder,
            card,
            previous_card,
            auth_pin: Pin::unchecked("1234"),
            sign_pin: Pin::unchecked("ABC123"),
            auth_tries_left: if id == PersonaId::AuthPinBlocked {
                0
            } else {
                PinKind::UserAuthentication.max_tries()
            },
            sign_tries_left: if id == PersonaId::SignPinBlocked {
                0
            } else {
                PinKind::Signature.max_tries()
            },
            professional,
        })
    }

    /// Issues the card the renewed one replaced (two years earlier), revokes its
    /// certificates as superseded at renewal, and records the link.
    fn renew(
        &mut self,
        label: &str,
        holder: &Holder,
        new: &CardCredentials,
        renewed_at: OffsetDateTime,
    ) -> Result<CardCredentials, CaError> {
        let old_from = renewed_at - Duration::days(730);
        let old = self.issue_card(
            &format!("{label}/previous"),
            holder,
            (ca::JPKI_AUTH, ca::JPKI_SIGN),
            true,
            old_from,
            fifth_birthday_after(old_from.date(), holder.birth_date),
        )?;
        self.ca(ca::JPKI_AUTH)?
            .revoke(&old.auth.issued.serial, renewed_at, Reason::Superseded)?;
        if let Some(sign) = &old.sign {
            self.ca(ca::JPKI_SIGN)?
                .revoke(&sign.issued.serial, renewed_at, Reason::Superseded)?;
        }
        self.renewals
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(RenewalLink {
                ca_id: ca::JPKI_AUTH.to_owned(),
                old_serial: old.auth.issued.serial.clone(),
                new_serial: new.auth.issued.serial.clone(),
                at: renewed_at,
            });
        Ok(old)
    }

    fn issue_professional(
        &self,
        label: &str,
        holder: &Holder,
        profession: Profession,
        at: OffsetDateTime,
    ) -> Result<ProfessionalCredential, CaError> {
        let seed = &self.config.seed;
        let ca = self.ca(profession.ca_id())?;
        let key = self.key(&format!("{label}/shigyo"))?;
        let digits = derive(seed, &format!("{label}/registration"));
        let registration_number = format!(
            "{:06}",
            u32::from_be_bytes([0, digits[0], digits[1], digits[2]]) % 1_000_000
        );
        let qualification = Qualification {
            profession: profession.name_ja().to_owned(),
            registration_number,
            body: profession.body_dn(),
        };
        let local = match profession {
            Profession::TaxAccountant => "東京税理士会",
            Profession::JudicialScrivener => "東京司法書士会",
        };
        // 士業 certificates run about two years.
        let params = profile::professional(
            &holder.name,
            local,
            &qualification,
            at,
            at + Duration::days(730),
            ca.urls(),
            &key.to_public_key(),
        )?;
        let issued = ca.issue(
            params,
            &key.to_public_key(),
            serial(seed, &format!("{label}/shigyo")),
        )?;
        Ok(ProfessionalCredential {
            profession,
            qualification,
            credential: Credential {
                issued,
                key,
                ca_certificate: ca.certificate().to_vec(),
                ca_id: profession.ca_id().to_owned(),
            },
        })
    }

    /// The SAML signing credential of service `name` (see [`SERVICES`]): deterministic from
    /// the seed, self-signed (`CN=<name>`, ten years from the PKI's epoch).
    pub fn service_credential(&self, name: &str) -> Result<ServiceCredential, CaError> {
        let key = self.key(&format!("service/{name}"))?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = crate::names::Dn::new()
            .c("JP")
            .o("mnctf test services")
            .cn(name)
            .to_rcgen()?;
        params.not_before = midnight(self.config.now - Duration::days(365));
        params.not_after = params.not_before + Duration::days(3650);
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial(
            &self.config.seed,
            &format!("service/{name}"),
        )));
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        let certificate = params
            .self_signed(&crate::authority::key_pair(&key)?)?
            .der()
            .to_vec();
        Ok(ServiceCredential { key, certificate })
    }

    /// A TLS server credential for service `name` on loopback: the service's key and a
    /// self-signed certificate for `127.0.0.1` and `localhost`.
    pub fn tls_server_credential(&self, name: &str) -> Result<ServiceCredential, CaError> {
        let key = self.key(&format!("service/{name}"))?;
        let mut params = rcgen::CertificateParams::default();
        params.distinguished_name = crate::names::Dn::new()
            .c("JP")
            .o("mnctf test services")
            .cn(&format!("{name} TLS"))
            .to_rcgen()?;
        params.subject_alt_names = vec![
            rcgen::SanType::IpAddress(std::net::IpAddr::from([127, 0, 0, 1])),
            rcgen::SanType::DnsName("localhost".try_into()?),
        ];
        params.not_before = midnight(self.config.now - Duration::days(1));
        params.not_after = params.not_before + Duration::days(365);
        params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial(
            &self.config.seed,
            &format!("tls/{name}"),
        )));
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
        ];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let certificate = params
            .self_signed(&crate::authority::key_pair(&key)?)?
            .der()
            .to_vec();
        Ok(ServiceCredential { key, certificate })
    }

    /// Writes every CA certificate, current CRL and persona certificate as PEM under `dir`
    /// (`ca/<id>.pem`, `crl/<id>.pem`, `persona/<slug>/{auth,sign,shigyo}.pem`,
    /// `trust-anchors.pem`), for OpenSSL and people.
    pub fn export(&self, dir: &Path) -> Result<(), CaError> {
        let now = self.clock.now();
        let write = |rel: &str, text: String| -> Result<(), CaError> {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            Ok(std::fs::write(path, text)?)
        };
        let mut anchors = String::new();
        for ca in self.authorities.values() {
            write(
                &format!("ca/{}.pem", ca.id()),
                pem("CERTIFICATE", ca.certificate()),
            )?;
            write(
                &format!("crl/{}.pem", ca.id()),
                pem("X509 CRL", &ca.crl(now, Duration::days(1))?),
            )?;
        }
        for ca in self.trust_anchors() {
            anchors.push_str(&pem("CERTIFICATE", ca.certificate()));
        }
        write("trust-anchors.pem", anchors)?;
        for p in self.personas.values() {
            let dir = format!("persona/{}", p.id.slug());
            write(
                &format!("{dir}/auth.pem"),
                pem("CERTIFICATE", &p.card.auth.issued.der),
            )?;
            if let Some(sign) = &p.card.sign {
                write(
                    &format!("{dir}/sign.pem"),
                    pem("CERTIFICATE", &sign.issued.der),
                )?;
            }
            if let Some(prof) = &p.professional {
                write(
                    &format!("{dir}/shigyo.pem"),
                    pem("CERTIFICATE", &prof.credential.issued.der),
                )?;
            }
            if let Some(prev) = &p.previous_card {
                write(
                    &format!("{dir}/previous-auth.pem"),
                    pem("CERTIFICATE", &prev.auth.issued.der),
                )?;
            }
        }
        Ok(())
    }
}

/// PEM armour.
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The holders: invented people with plausible data.
fn holder_for(id: PersonaId, today: Date) -> Holder {
    let date = |y, m, d| {
        Date::from_calendar_date(
            y,
            time::Month::try_from(m).unwrap_or(time::Month::January),
            d,
        )
        .unwrap_or(today)
    };
    let (name, birth, gender, address, pref, city) = match id {
        PersonaId::Valid => (
            "山田　太郎",
            date(1985, 4, 12),
            Gender::Male,
            "東京都千代田区霞が関二丁目1番2号",
            "Tokyo-to",
            "Chiyoda-ku",
        ),
        PersonaId::AuthExpired => {
            // Born on yesterday's month and day, so that the fifth birthday after an
            // issue five years and a month ago is yesterday.
            let y = today - Duration::days(1);
            let birth = Date::from_calendar_date(1970, y.month(), y.day().min(28)).unwrap_or(today);
            (
                "佐藤　花子",
                birth,
                Gender::Female,
                "大阪府大阪市北区中之島一丁目3番20号",
                "Osaka-fu",
                "Osaka-shi",
            )
        }
        PersonaId::AuthRevoked => (
            "鈴木　一郎",
            date(1979, 9, 3),
            Gender::Male,
            "神奈川県横浜市中区日本大通1",
            "Kanagawa-ken",
            "Yokohama-shi",
        ),
        PersonaId::SignRevoked => (
            "高橋　美咲",
            date(1992, 12, 24),
            Gender::Female,
            "愛知県名古屋市中区三の丸三丁目1番1号",
            "Aichi-ken",
            "Nagoya-shi",
        ),
        PersonaId::AuthPinBlocked => (
            "田中　健",
            date(1960, 1, 30),
            Gender::Male,
            "福岡県福岡市博多区東公園7番7号",
            "Fukuoka-ken",
            "Fukuoka-shi",
        ),
        PersonaId::SignPinBlocked => (
            "伊藤　さくら",
            date(2001, 3, 31),
            Gender::Female,
            "北海道札幌市中央区北3条西6丁目",
            "Hokkaido",
            "Sapporo-shi",
        ),
        PersonaId::NoSignCert => (
            "渡辺　翔",
            date(2013, 7, 7),
            Gender::Male,
            "宮城県仙台市青葉区本町三丁目8番1号",
            "Miyagi-ken",
            "Sendai-shi",
        ),
        PersonaId::UnknownCa => (
            "偽造　次郎",
            date(1988, 8, 8),
            Gender::Unknown,
            "東京都新宿区西新宿二丁目8番1号",
            "Tokyo-to",
            "Shinjuku-ku",
        ),
        PersonaId::Renewed => (
            "中村　陽子",
            date(1975, 6, 15),
            Gender::Female,
            "京都府京都市上京区下立売通新町西入薮ノ内町",
            "Kyoto-fu",
            "Kyoto-shi",
        ),
        PersonaId::TaxAccountant => (
            "小林　誠",
            date(1968, 11, 2),
            Gender::Male,
            "東京都港区芝公園一丁目1番1号",
            "Tokyo-to",
            "Minato-ku",
        ),
        PersonaId::JudicialScrivener => (
            "加藤　恵",
            date(1982, 2, 14),
            Gender::Female,
            "東京都新宿区四谷本塩町4番37号",
            "Tokyo-to",
            "Shinjuku-ku",
        ),
    };
    Holder {
        name: name.into(),
        birth_date: birth,
        gender,
        address: address.into(),
        prefecture: pref.into(),
        municipality: city.into(),
    }
}
