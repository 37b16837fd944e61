//! Encrypted assertions (saml-attacks.md §1.11), run where the SP's metadata publishes an
//! encryption key: encryption is not authentication (the SP's key is public, anyone can
//! encrypt to it), every check applies after decryption, weak algorithms are discouraged,
//! and nothing the EncryptedKey names is fetched.

use super::{Crafted, Ctx};
use crate::message::{self, Knobs, SignSpec, Signing};
use crate::xmlenc::{self, EncSpec};
use crate::CraftError;

/// The SP's encryption certificate (the engine runs these tests only where there is one).
fn sp_cert<'a>(c: &'a Ctx<'_>) -> Result<&'a [u8], CraftError> {
    c.sp_encryption_cert.ok_or_else(|| {
        CraftError("internal: an encryption test ran without the SP's encryption key".into())
    })
}

/// The assertion of `k`, signed with `spec` if `signing` signs assertions.
fn plain(k: &Knobs, signing: Signing, spec: &SignSpec) -> Result<String, CraftError> {
    match signing {
        Signing::Assertion | Signing::Both => message::signed_assertion(k, spec),
        Signing::Response | Signing::None => Ok(message::assertion(k, "")),
    }
}

/// The Response for `k` with its assertion encrypted per `enc`, signed per `signing`.
pub fn encrypted_with(
    c: &Ctx<'_>,
    k: &Knobs,
    signing: Signing,
    enc: &EncSpec,
) -> Result<Crafted, CraftError> {
    let spec = c.spec();
    let inner = xmlenc::encrypted_assertion(&plain(k, signing, &spec)?, sp_cert(c)?, enc)?;
    Ok(Crafted::of(message::wrap(k, signing, &spec, &inner)?))
}

/// The golden Response, its assertion encrypted the profile's way (TF-SP-011), both signed.
pub fn encrypted_profile(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    encrypted_with(c, &c.knobs(), Signing::Both, &EncSpec::standard())
}

/// The golden Response, its assertion encrypted with the strongest algorithms the SP
/// accepts, signed per `signing`.
pub fn encrypted(c: &Ctx<'_>, signing: Signing) -> Result<Crafted, CraftError> {
    encrypted_with(c, &c.knobs(), signing, &c.enc)
}

/// The golden Response with `f` applied to its knobs, encrypted, both signed.
pub fn encrypted_changed(c: &Ctx<'_>, f: impl FnOnce(&mut Knobs)) -> Result<Crafted, CraftError> {
    let mut k = c.knobs();
    f(&mut k);
    encrypted_with(c, &k, Signing::Both, &c.enc)
}

/// The golden Response, both signed, encrypted per `f` applied to the profile's choice.
pub fn encrypted_spec(c: &Ctx<'_>, f: impl FnOnce(&mut EncSpec)) -> Result<Crafted, CraftError> {
    let mut enc = c.enc.clone();
    f(&mut enc);
    encrypted_with(c, &c.knobs(), Signing::Both, &enc)
}

/// A forgery for the forged identity, signed by the attacker's key, then encrypted to
/// the SP: decrypting it must not skip verifying against the platform's key.
pub fn attacker_signed(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let spec = SignSpec::standard(c.attacker);
    let k = c.golden.knobs(&c.forged);
    let inner =
        xmlenc::encrypted_assertion(&message::signed_assertion(&k, &spec)?, sp_cert(c)?, &c.enc)?;
    let mut crafted = Crafted::of(message::wrap(&k, Signing::None, &spec, &inner)?);
    crafted.believed = Some(c.forged.clone());
    Ok(crafted)
}

/// An unsigned forged assertion, encrypted, put before the signed plaintext one in an
/// unsigned Response: an SP that decrypts first and stops there believes the forgery.
pub fn forged_beside_signed(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let spec = c.spec();
    let k = c.knobs();
    let forged = xmlenc::encrypted_assertion(
        &message::assertion(&c.golden.knobs(&c.forged), ""),
        sp_cert(c)?,
        &c.enc,
    )?;
    let signed = message::signed_assertion(&k, &spec)?;
    let inner = format!("{forged}{signed}");
    let mut crafted = Crafted::of(message::wrap(&k, Signing::None, &spec, &inner)?);
    crafted.believed = Some(c.forged.clone());
    Ok(crafted)
}

/// The NameID `<forged><!---->.suffix`, signed as it is, then encrypted.
pub fn comment_injected(c: &Ctx<'_>) -> Result<Crafted, CraftError> {
    let mut crafted = encrypted_changed(c, |k| {
        k.name_id_raw = format!("{}<!---->.suffix", c.forged);
    })?;
    crafted.believed = Some(c.forged.clone());
    Ok(crafted)
}
