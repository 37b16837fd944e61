// Shared helper for the lab confirm scripts (a copy lives in each pair dir): throwaway keys,
// a SAML Response generator and an XML-DSig signer (xml-crypto 6.0.1 from the lab install,
// used only as the attacker's/IdP's signing tool, never as the library under test).
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const crypto = require('crypto');
const cp = require('child_process');

const LAB_ROOT = process.env.MNCTF_LAB_ROOT || path.resolve(__dirname, '../../target/lab');
const toolRequire = (name) => require(require.resolve(name, { paths: [path.join(LAB_ROOT, 'xml-crypto-6.0.1', 'node_modules')] }));

function mkKeys(cn) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mnctf-confirm-'));
  cp.execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '3650', '-subj', `/CN=${cn}`,
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  const key = fs.readFileSync(path.join(dir, 'key.pem'), 'utf8');
  const certPem = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return { key, certPem, certB64: certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '') };
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const rid = () => '_' + crypto.randomBytes(16).toString('hex');

// A Response (ID rId) holding one Assertion (ID aId); no whitespace between elements.
function assertionXml({ aId, idpEntity, nameID, acs, audience, irt, now = Date.now() }) {
  const irtAttr = irt ? ` InResponseTo="${irt}"` : '';
  return `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${aId}" Version="2.0" IssueInstant="${iso(now)}">` +
    `<saml:Issuer>${idpEntity}</saml:Issuer>` +
    `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${nameID}</saml:NameID>` +
    `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(now + 300e3)}" Recipient="${acs}"${irtAttr}/></saml:SubjectConfirmation></saml:Subject>` +
    `<saml:Conditions NotBefore="${iso(now - 60e3)}" NotOnOrAfter="${iso(now + 300e3)}"><saml:AudienceRestriction><saml:Audience>${audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
    `<saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="${rid()}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:mnctf:ac:classes:jpki-user-authentication</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
    `</saml:Assertion>`;
}
function responseXml({ rId, idpEntity, acs, irt, status = 'urn:oasis:names:tc:SAML:2.0:status:Success', inner = '', now = Date.now() }) {
  const irtAttr = irt ? ` InResponseTo="${irt}"` : '';
  return `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${rId}" Version="2.0" IssueInstant="${iso(now)}" Destination="${acs}"${irtAttr}>` +
    `<saml:Issuer>${idpEntity}</saml:Issuer><samlp:Status><samlp:StatusCode Value="${status}"/></samlp:Status>${inner}</samlp:Response>`;
}

// Enveloped signature over the element with ID `id`, inserted after its Issuer child.
function sign(xml, id, { key, certB64, alg = 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', digest = 'http://www.w3.org/2001/04/xmlenc#sha256',
  transforms = ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], hmac = false }) {
  const { SignedXml } = toolRequire('xml-crypto');
  const sig = new SignedXml({ privateKey: key, signatureAlgorithm: alg, canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
  if (hmac) sig.enableHMAC();
  if (certB64) sig.getKeyInfoContent = () => `<ds:X509Data><ds:X509Certificate>${certB64}</ds:X509Certificate></ds:X509Data>`;
  sig.addReference({ xpath: `//*[@ID='${id}']`, transforms, digestAlgorithm: digest });
  sig.computeSignature(xml, { prefix: 'ds', location: { reference: `//*[@ID='${id}']/*[local-name(.)='Issuer']`, action: 'after' } });
  return sig.getSignedXml();
}

// exc-c14n digest of an element (enveloped: its own ds:Signature child removed), base64.
function digestOf(xml, id, algo = 'sha256') {
  const { DOMParser } = toolRequire('@xmldom/xmldom');
  const { ExclusiveCanonicalization } = toolRequire('xml-crypto/lib/exclusive-canonicalization');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const el = Array.from(doc.getElementsByTagName('*')).find((e) => e.getAttribute('ID') === id);
  const clone = el.cloneNode(true);
  for (const c of Array.from(clone.childNodes)) if (c.nodeType === 1 && c.localName === 'Signature') clone.removeChild(c);
  const canon = new ExclusiveCanonicalization().process(clone, {});
  return crypto.createHash(algo).update(canon).digest('base64');
}

// The ID of the AuthnRequest behind a HTTP-Redirect URL.
function requestIdFromUrl(url) {
  const req = zlib.inflateRawSync(Buffer.from(new URL(url).searchParams.get('SAMLRequest'), 'base64')).toString('utf8');
  return req.match(/\bID="([^"]+)"/)[1];
}

module.exports = { LAB_ROOT, mkKeys, assertionXml, responseXml, sign, digestOf, requestIdFromUrl, rid, iso };
