//! The signed evidence bundle (`--bundle`): one tar archive holding the reports (report.json
//! has every message exchanged, decoded), the suite's version, the configuration it ran
//! with (passwords removed), and `manifest.sha256`, a `sha256sum` list of every other file,
//! signed (RSA PKCS#1 v1.5, SHA-256) in `manifest.sha256.sig` by the operator's key or the
//! suite's test key, which `version.txt` then says. `signer.pem` travels with it for
//! convenience; verification never trusts it: the verifier names the certificate.
//!
//! By hand: `tar -xf B`, `openssl x509 -in C -pubkey -noout > pub.pem`,
//! `openssl dgst -sha256 -verify pub.pem -signature manifest.sha256.sig manifest.sha256`,
//! `sha256sum -c manifest.sha256`.

use std::collections::BTreeMap;
use std::io::Read as _;
use std::path::Path;

use anyhow::{bail, Context as _};
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{DecodePrivateKey as _, DecodePublicKey as _};
use rsa::signature::{SignatureEncoding as _, Signer as _, Verifier as _};
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest as _, Sha256};
use x509_cert::der::{Decode as _, DecodePem as _, Encode as _, EncodePem as _};

/// The manifest and its signature, and the signer's certificate.
pub const MANIFEST: &str = "manifest.sha256";
const SIGNATURE: &str = "manifest.sha256.sig";
const SIGNER: &str = "signer.pem";
/// The largest bundle `verify` reads (a whole run's evidence is a few MiB).
const MAX_BUNDLE: u64 = 256 * 1024 * 1024;

/// Who signs the manifest.
pub struct Signer {
    key: RsaPrivateKey,
    cert_der: Vec<u8>,
    /// The suite's test key (anyone can sign with it: proves integrity, not origin).
    pub test_key: bool,
}

impl Signer {
    /// The suite's test key (`mock-ca`'s service key `evidence-signer`), marked as such.
    pub fn test() -> anyhow::Result<Self> {
        let pki = mock_ca::Pki::build(
            mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
            mock_ca::Clock::system(),
        )?;
        let c = pki.service_credential("evidence-signer")?;
        Ok(Self {
            key: (*c.key).clone(),
            cert_der: c.certificate,
            test_key: true,
        })
    }

    /// The operator's key (PKCS#8 PEM) and certificate (PEM).
    pub fn from_files(key: &Path, cert: &Path) -> anyhow::Result<Self> {
        let pem =
            std::fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?;
        let key = RsaPrivateKey::from_pkcs8_pem(&pem)
            .map_err(|e| anyhow::anyhow!("{}: not a PKCS#8 RSA private key: {e}", key.display()))?;
        let cert_der = certificate_der(cert)?;
        let public = public_key(&cert_der)?;
        if public != key.to_public_key() {
            bail!(
                "the bundle key does not belong to the certificate {}",
                cert.display()
            );
        }
        Ok(Self {
            key,
            cert_der,
            test_key: false,
        })
    }

    /// The certificate, PEM.
    pub fn certificate_pem(&self) -> anyhow::Result<String> {
        let cert = x509_cert::Certificate::from_der(&self.cert_der)?;
        Ok(cert.to_pem(x509_cert::der::pem::LineEnding::LF)?)
    }
}

/// A certificate file (PEM, or DER) as DER.
pub fn certificate_der(path: &Path) -> anyhow::Result<Vec<u8>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let cert = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => x509_cert::Certificate::from_pem(text),
        _ => x509_cert::Certificate::from_der(&bytes),
    }
    .map_err(|e| anyhow::anyhow!("{}: not an X.509 certificate: {e}", path.display()))?;
    Ok(cert.to_der()?)
}

fn public_key(cert_der: &[u8]) -> anyhow::Result<RsaPublicKey> {
    let cert = x509_cert::Certificate::from_der(cert_der)?;
    let spki = cert.tbs_certificate.subject_public_key_info.to_der()?;
    RsaPublicKey::from_public_key_der(&spki)
        .map_err(|e| anyhow::anyhow!("not an RSA certificate: {e}"))
}

/// `sha256sum`'s line format, one per file, sorted by name.
fn manifest(files: &BTreeMap<String, Vec<u8>>) -> String {
    files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", hex::encode(Sha256::digest(bytes))))
        .collect()
}

/// Writes the bundle of `files` (name → bytes; plain names, no folders) to `path`.
pub fn write(path: &Path, files: BTreeMap<String, Vec<u8>>, signer: &Signer) -> anyhow::Result<()> {
    let manifest = manifest(&files);
    let signature = SigningKey::<Sha256>::new(signer.key.clone()).sign(manifest.as_bytes());
    let out =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut tar = tar::Builder::new(out);
    let mut add = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_cksum();
        tar.append_data(&mut header, name, bytes)
    };
    for (name, bytes) in &files {
        add(name, bytes)?;
    }
    add(MANIFEST, manifest.as_bytes())?;
    add(SIGNATURE, &signature.to_bytes())?;
    add(SIGNER, signer.certificate_pem()?.as_bytes())?;
    tar.into_inner()?;
    Ok(())
}

/// What a good bundle holds.
#[derive(Debug)]
pub struct Verified {
    /// The files the manifest lists, each with its digest checked.
    pub files: Vec<String>,
}

/// Checks the bundle at `path` against the certificate `cert_der`: the manifest's
/// signature, every listed file's digest, and that nothing else is in the archive.
pub fn verify(path: &Path, cert_der: &[u8]) -> anyhow::Result<Verified> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut archive = tar::Archive::new(file.take(MAX_BUNDLE));
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for entry in archive.entries().context("not a tar archive")? {
        let mut entry = entry.context("a damaged tar entry")?;
        let name = entry.path()?.to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes)?;
        if files.insert(name.clone(), bytes).is_some() {
            bail!("{name} is in the bundle twice");
        }
    }
    let manifest = files
        .remove(MANIFEST)
        .context("no manifest.sha256 in the bundle")?;
    let signature = files
        .remove(SIGNATURE)
        .context("no manifest.sha256.sig in the bundle")?;
    files.remove(SIGNER);
    let signature = Signature::try_from(signature.as_slice())
        .map_err(|_| anyhow::anyhow!("manifest.sha256.sig is not an RSA signature"))?;
    VerifyingKey::<Sha256>::new(public_key(cert_der)?)
        .verify(&manifest, &signature)
        .map_err(|_| {
            anyhow::anyhow!("the manifest's signature does not verify with the certificate given")
        })?;
    let manifest = String::from_utf8(manifest).context("the manifest is not text")?;
    let mut listed = Vec::new();
    for line in manifest.lines() {
        let (digest, name) = line
            .split_once("  ")
            .with_context(|| format!("a malformed manifest line: {line}"))?;
        let bytes = files
            .remove(name)
            .with_context(|| format!("{name} is listed in the manifest but not in the bundle"))?;
        if hex::encode(Sha256::digest(&bytes)) != digest {
            bail!("{name} was changed: its SHA-256 is not the manifest's");
        }
        listed.push(name.to_owned());
    }
    if let Some(extra) = files.keys().next() {
        bail!("{extra} is in the bundle but not in the signed manifest");
    }
    Ok(Verified { files: listed })
}

/// A configuration file's text with every `password` value replaced.
pub fn without_secrets(toml_text: &str) -> String {
    fn scrub(v: &mut toml::Value) {
        match v {
            toml::Value::Table(t) => {
                for (k, v) in t.iter_mut() {
                    let k = k.to_ascii_lowercase();
                    let secret = k.contains("password") || k.contains("secret");
                    if secret && !v.is_table() {
                        *v = toml::Value::String("[removed]".into());
                    } else {
                        scrub(v);
                    }
                }
            }
            toml::Value::Array(a) => a.iter_mut().for_each(scrub),
            _ => {}
        }
    }
    match toml::from_str::<toml::Table>(toml_text) {
        Ok(table) => {
            let mut v = toml::Value::Table(table);
            scrub(&mut v);
            toml::to_string(&v).unwrap_or_default()
        }
        Err(_) => "# the configuration did not parse as TOML; left out\n".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_changed_anywhere_is_detected() {
        let dir = tempfile::tempdir().unwrap();
        let signer = Signer::test().unwrap();
        let files: BTreeMap<String, Vec<u8>> = [
            (
                "report.json".to_owned(),
                b"{\"verdict\":\"FAILED\"}".to_vec(),
            ),
            (
                "report.html".to_owned(),
                "<p>不合格</p>".as_bytes().to_vec(),
            ),
        ]
        .into();
        let good = dir.path().join("b.tar");
        write(&good, files, &signer).unwrap();
        let verified = verify(&good, &signer.cert_der).unwrap();
        assert_eq!(verified.files, ["report.html", "report.json"]);
        let bytes = std::fs::read(&good).unwrap();
        let at = bytes.windows(6).position(|w| w == b"FAILED").unwrap();
        let mut tampered = bytes.clone();
        tampered[at..at + 6].copy_from_slice(b"PASSED");
        let bad = dir.path().join("bad.tar");
        std::fs::write(&bad, &tampered).unwrap();
        let err = verify(&bad, &signer.cert_der).unwrap_err().to_string();
        assert!(err.contains("report.json was changed"), "{err}");
        let other = mock_ca::Pki::build(
            mock_ca::PkiConfig::new("http://127.0.0.1:18080"),
            mock_ca::Clock::system(),
        )
        .unwrap()
        .service_credential("sp-1")
        .unwrap();
        let err = verify(&good, &other.certificate).unwrap_err().to_string();
        assert!(err.contains("does not verify"), "{err}");
    }

    #[test]
    fn passwords_are_removed_from_the_configuration() {
        let text = "name = \"x\"\n[password]\nusername = \"u\"\npassword = \"hunter2\"\n";
        let clean = without_secrets(text);
        assert!(
            !clean.contains("hunter2") && clean.contains("[removed]") && clean.contains("username"),
            "{clean}"
        );
    }
}
