#!/usr/bin/env node
// mnctf lab wrapper: a minimal SP that verifies with xml-crypto (5.x/6.x API) exactly as the
// xml-crypto README of those releases shows: new SignedXml({ publicCert }), loadSignature(the
// ds:Signature), checkSignature(xml), then "check the content we want to use is the one that has
// been signed" with the README's built-in sig.validateElementAgainstReferences(elem, doc).
// publicCert is the IdP signing certificate from the IdP metadata (PEM). The SAML checks
// (status, issuer, audience, time, recipient, destination, InResponseTo) are the wrapper's own.
// Usage: node sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS   (env MNCTF_LAB_INSTALL)
// As a module: require('./sp.js').makeSp({...}).validate(b64) for confirm scripts.
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');
const zlib = require('zlib');
const crypto = require('crypto');
const querystring = require('querystring');

function labRequire(name) {
  const base = process.env.MNCTF_LAB_INSTALL;
  if (!base) throw new Error('MNCTF_LAB_INSTALL is not set');
  return require(require.resolve(name, { paths: [path.join(base, 'node_modules')] }));
}

function parseIdpMetadata(xml) {
  const entityID = (xml.match(/entityID="([^"]+)"/) || [])[1];
  const kd = xml.match(/<(?:\w+:)?KeyDescriptor(?![^>]*use="encryption")[^>]*>[\s\S]*?<\/(?:\w+:)?KeyDescriptor>/);
  const cert = kd && (kd[0].match(/<(?:\w+:)?X509Certificate>([\s\S]*?)<\/(?:\w+:)?X509Certificate>/) || [])[1];
  let sso = null;
  const re = /<(?:\w+:)?SingleSignOnService\b[^>]*>/g;
  let m;
  while ((m = re.exec(xml))) {
    if (/Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"/.test(m[0])) sso = (m[0].match(/Location="([^"]+)"/) || [])[1];
  }
  if (!entityID || !cert || !sso) throw new Error('IdP metadata: entityID, signing certificate or HTTP-Redirect SSO missing');
  return { entityID, cert: cert.replace(/\s+/g, ''), sso };
}

const certToPem = (b64) => `-----BEGIN CERTIFICATE-----\n${b64.match(/.{1,64}/g).join('\n')}\n-----END CERTIFICATE-----\n`;
const PROTO = 'urn:oasis:names:tc:SAML:2.0:protocol';
const ASRT = 'urn:oasis:names:tc:SAML:2.0:assertion';
const DSIG = 'http://www.w3.org/2000/09/xmldsig#';

function makeSp({ port, idpMetadata, spCert, authnClass, skewMs = 5000, idp: idpOverride, base: baseOverride }) {
  const { SignedXml } = labRequire('xml-crypto');
  const { DOMParser } = labRequire('@xmldom/xmldom');
  const version = labRequire('xml-crypto/package.json').version;
  const idp = idpOverride || parseIdpMetadata(idpMetadata);
  const idpPem = idp.pem || certToPem(idp.cert);
  const base = baseOverride || `http://127.0.0.1:${port}`;
  const entityID = `${base}/metadata`, acs = `${base}/acs`;
  const pending = new Map(); // AuthnRequest ID -> issued at

  const kids = (el, ns, name) => Array.from(el ? el.childNodes : []).filter((n) => n.nodeType === 1 && n.namespaceURI === ns && n.localName === name);
  const kid = (el, ns, name) => kids(el, ns, name)[0];

  function verifySignatureOf(elem, xml, doc) {
    const sigNode = kid(elem, DSIG, 'Signature');
    if (!sigNode) return false;
    const sig = new SignedXml({ publicCert: idpPem }); // README: new SignedXml({ publicCert: ... })
    sig.loadSignature(sigNode);
    if (!sig.checkSignature(xml)) throw new Error('invalid signature on ' + elem.localName);
    sig.validateElementAgainstReferences(elem, doc); // README: the element used is the one signed
    return true;
  }

  function validateXml(xml, { now = Date.now(), checkInResponseTo = true } = {}) {
    const doc = new DOMParser().parseFromString(xml, 'text/xml');
    const resp = doc.documentElement;
    if (!resp || resp.namespaceURI !== PROTO || resp.localName !== 'Response') throw new Error('not a samlp:Response');
    const status = kid(kid(resp, PROTO, 'Status'), PROTO, 'StatusCode');
    if (!status || status.getAttribute('Value') !== 'urn:oasis:names:tc:SAML:2.0:status:Success') throw new Error('status is not Success');
    const assertion = kid(resp, ASRT, 'Assertion'); // the "interesting element": the (first) Assertion
    if (!assertion) throw new Error('no Assertion');
    const respSigned = verifySignatureOf(resp, xml, doc);
    const asrtSigned = verifySignatureOf(assertion, xml, doc);
    if (!respSigned && !asrtSigned) throw new Error('neither the Response nor the Assertion is signed');
    const t = (s) => (s ? Date.parse(s) : NaN);
    const issuer = kid(assertion, ASRT, 'Issuer');
    if (!issuer || issuer.textContent.trim() !== idp.entityID) throw new Error('assertion Issuer is not the IdP');
    const dest = resp.getAttribute('Destination');
    if (dest && dest !== acs) throw new Error('Destination mismatch');
    const subject = kid(assertion, ASRT, 'Subject');
    const nameIdEl = kid(subject, ASRT, 'NameID');
    if (!nameIdEl) throw new Error('no NameID');
    const scd = kids(subject, ASRT, 'SubjectConfirmation')
      .filter((sc) => sc.getAttribute('Method') === 'urn:oasis:names:tc:SAML:2.0:cm:bearer')
      .map((sc) => kid(sc, ASRT, 'SubjectConfirmationData')).find(Boolean);
    if (!scd) throw new Error('no bearer SubjectConfirmationData');
    if (scd.getAttribute('Recipient') !== acs) throw new Error('Recipient mismatch');
    if (!(t(scd.getAttribute('NotOnOrAfter')) > now - skewMs)) throw new Error('SubjectConfirmationData expired');
    const cond = kid(assertion, ASRT, 'Conditions');
    if (!cond) throw new Error('no Conditions');
    if (cond.getAttribute('NotBefore') && t(cond.getAttribute('NotBefore')) > now + skewMs) throw new Error('assertion not yet valid');
    if (cond.getAttribute('NotOnOrAfter') && !(t(cond.getAttribute('NotOnOrAfter')) > now - skewMs)) throw new Error('assertion expired');
    const audiences = kids(cond, ASRT, 'AudienceRestriction').map((ar) => kids(ar, ASRT, 'Audience').map((a) => a.textContent.trim()));
    if (!audiences.length || !audiences.every((list) => list.includes(entityID))) throw new Error('Audience mismatch');
    if (checkInResponseTo) {
      const irt = scd.getAttribute('InResponseTo') || resp.getAttribute('InResponseTo');
      if (!irt || !pending.has(irt)) throw new Error('InResponseTo does not match a pending AuthnRequest');
      if (resp.getAttribute('InResponseTo') && resp.getAttribute('InResponseTo') !== irt) throw new Error('InResponseTo differs');
      pending.delete(irt);
    }
    return { nameID: nameIdEl.textContent };
  }

  function validate(b64, opts) {
    return validateXml(Buffer.from(b64, 'base64').toString('utf8'), opts);
  }

  function authorizeUrl() {
    const id = '_' + crypto.randomBytes(16).toString('hex');
    pending.set(id, Date.now());
    const req = `<samlp:AuthnRequest xmlns:samlp="${PROTO}" xmlns:saml="${ASRT}" ID="${id}" Version="2.0" IssueInstant="${new Date().toISOString().replace(/\.\d+Z$/, 'Z')}" Destination="${idp.sso}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" AssertionConsumerServiceURL="${acs}"><saml:Issuer>${entityID}</saml:Issuer><samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>${authnClass}</saml:AuthnContextClassRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>`;
    const q = 'SAMLRequest=' + encodeURIComponent(zlib.deflateRawSync(Buffer.from(req)).toString('base64'));
    return idp.sso + (idp.sso.includes('?') ? '&' : '?') + q;
  }

  function metadata() {
    const c = spCert.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
    return `<?xml version="1.0"?>\n<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="${DSIG}" entityID="${entityID}"><md:SPSSODescriptor AuthnRequestsSigned="false" protocolSupportEnumeration="${PROTO}"><md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${c}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="${acs}" index="0" isDefault="true"/></md:SPSSODescriptor></md:EntityDescriptor>\n`;
  }
  return { version, validate, validateXml, authorizeUrl, metadata, idp, pending };
}

function serve(argv) {
  const [port, idpMetaPath, spKeyPath, spCertPath, authnClass] = argv;
  if (!authnClass) { console.error('usage: sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS'); process.exit(2); }
  void spKeyPath; // xml-crypto makes no AuthnRequest and decrypts nothing: the SP key is unused
  const sp = makeSp({ port, authnClass, idpMetadata: fs.readFileSync(idpMetaPath, 'utf8'), spCert: fs.readFileSync(spCertPath, 'utf8') });
  const sessions = new Map();
  const LIMIT = 1 << 20;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const send = (code, body, headers = {}) => { res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...headers }); res.end(body); };
    if (req.method === 'GET' && url.pathname === '/metadata') return send(200, sp.metadata(), { 'content-type': 'application/samlmetadata+xml' });
    if (req.method === 'GET' && url.pathname === '/login') return send(302, '', { location: sp.authorizeUrl() });
    if (req.method === 'GET' && url.pathname === '/protected') {
      const sid = ((req.headers.cookie || '').match(/(?:^|;\s*)labsid=([0-9a-f]+)/) || [])[1];
      const s = sid && sessions.get(sid);
      if (!s) return send(401, 'not authenticated\n');
      return send(200, `AUTHENTICATED\nNameID: ${s.nameID}\n`);
    }
    if (req.method === 'POST' && url.pathname === '/acs') {
      let size = 0; const chunks = [];
      req.on('data', (c) => { size += c.length; if (size > LIMIT) { console.log('ACS refused: body larger than 1 MB'); send(413, 'body too large\n'); req.destroy(); } else chunks.push(c); });
      req.on('end', () => {
        if (size > LIMIT) return;
        const form = querystring.parse(Buffer.concat(chunks).toString('utf8'));
        if (!form.SAMLResponse) { console.log('ACS refused: no SAMLResponse'); return send(400, 'no SAMLResponse\n'); }
        let out;
        try { out = sp.validate(String(form.SAMLResponse)); } catch (e) {
          console.log(`ACS refused: ${e && e.message}`);
          return send(403, `refused: ${e && e.message}\n`);
        }
        const sid = crypto.randomBytes(16).toString('hex');
        sessions.set(sid, out);
        console.log(`ACS accepted: NameID=${JSON.stringify(out.nameID)}`);
        send(200, `AUTHENTICATED\nNameID: ${out.nameID}\n`, { 'set-cookie': `labsid=${sid}; Path=/; HttpOnly` });
      });
      return;
    }
    send(404, 'not found\n');
  });
  server.listen(Number(port), '127.0.0.1', () => console.log(`xml-crypto ${sp.version} README SP on http://127.0.0.1:${port}`));
}

module.exports = { makeSp, parseIdpMetadata, certToPem };
if (require.main === module) serve(process.argv.slice(2));
