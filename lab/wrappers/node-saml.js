#!/usr/bin/env node
// mnctf lab wrapper: a minimal SP built on @node-saml/node-saml's SAML class (5.x API), configured
// as the node-saml README shows (callbackUrl, entryPoint, issuer, idpCert; wantAssertionsSigned and
// wantAuthnResponseSigned left at their README defaults, both true), plus audience (= issuer),
// AuthnRequest signing (privateKey, rsa-sha256), decryption key (decryptionPvk), InResponseTo checks
// (validateInResponseTo "always"), authnContext = [AUTHN_CLASS], identifierFormat null.
// validatePostResponseAsync decides; profile.nameID is the session's NameID.
// Shared by the node-saml releases of the lab (4.0.0-beta.3, 4.0.0-beta.6, 5.0.1, 5.1.0: the other
// releases' sp.js are symlinks to this file). 4.x names the IdP certificate option `cert` (5.0 renamed
// it `idpCert`); everything else is the same API. 4.0.0-beta.3 defaults wantAuthnResponseSigned and
// wantAssertionsSigned to false, 4.0.0-beta.6 and 5.x to true: each release keeps its own defaults.
// Usage: node sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS   (env MNCTF_LAB_INSTALL)
// As a module: require('./sp.js').makeSp({...}) -> { saml, validate(b64), authorizeUrl() } for confirm scripts
// (extraOptions, for confirm scripts only, are merged over the options above).
'use strict';
const fs = require('fs');
const path = require('path');
const http = require('http');
const crypto = require('crypto');
const querystring = require('querystring');

function labRequire(name) {
  const base = process.env.MNCTF_LAB_INSTALL;
  if (!base) throw new Error('MNCTF_LAB_INSTALL is not set');
  return require(require.resolve(name, { paths: [path.join(base, 'node_modules')] }));
}

function parseIdpMetadata(xml) {
  const entityID = (xml.match(/entityID="([^"]+)"/) || [])[1];
  const certs = [];
  const kdRe = /<(?:\w+:)?KeyDescriptor\b(?![^>]*use="encryption")[^>]*>[\s\S]*?<\/(?:\w+:)?KeyDescriptor>/g;
  let k;
  while ((k = kdRe.exec(xml))) {
    const c = (k[0].match(/<(?:\w+:)?X509Certificate>([\s\S]*?)<\/(?:\w+:)?X509Certificate>/) || [])[1];
    if (c) certs.push(c.replace(/\s+/g, ''));
  }
  let sso = null;
  const re = /<(?:\w+:)?SingleSignOnService\b[^>]*>/g;
  let m;
  while ((m = re.exec(xml))) {
    if (/Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"/.test(m[0])) sso = (m[0].match(/Location="([^"]+)"/) || [])[1];
  }
  if (!entityID || !certs.length || !sso) throw new Error('IdP metadata: entityID, signing certificate or HTTP-Redirect SSO missing');
  return { entityID, certs, sso };
}

function makeSp({ port, idpMetadata, spKey, spCert, authnClass, extraOptions = {} }) {
  const { SAML } = labRequire('@node-saml/node-saml');
  const version = labRequire('@node-saml/node-saml/package.json').version;
  const major = parseInt(version, 10);
  const idp = parseIdpMetadata(idpMetadata);
  const base = `http://127.0.0.1:${port}`;
  const saml = new SAML({
    callbackUrl: `${base}/acs`,
    entryPoint: idp.sso,
    issuer: `${base}/metadata`,
    audience: `${base}/metadata`,
    [major >= 5 ? 'idpCert' : 'cert']: idp.certs.length === 1 ? idp.certs[0] : idp.certs, // KeyDescriptor certificate(s) of IDP_METADATA
    idpIssuer: idp.entityID,
    identifierFormat: null,
    authnContext: [authnClass],
    validateInResponseTo: 'always',
    acceptedClockSkewMs: 5000,
    privateKey: spKey,
    decryptionPvk: spKey,
    signatureAlgorithm: 'sha256',
    ...extraOptions, // confirm scripts only (e.g. the older release's signing defaults); the server passes none
  });
  const validate = (b64) => saml.validatePostResponseAsync({ SAMLResponse: b64 });
  const authorizeUrl = () => saml.getAuthorizeUrlAsync('', `127.0.0.1:${port}`, {});
  const metadata = () => saml.generateServiceProviderMetadata(spCert, spCert);
  return { saml, version, validate, authorizeUrl, metadata, idp };
}

function serve(argv) {
  const [port, idpMetaPath, spKeyPath, spCertPath, authnClass] = argv;
  if (!authnClass) { console.error('usage: sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS'); process.exit(2); }
  const sp = makeSp({
    port, authnClass,
    idpMetadata: fs.readFileSync(idpMetaPath, 'utf8'),
    spKey: fs.readFileSync(spKeyPath, 'utf8'),
    spCert: fs.readFileSync(spCertPath, 'utf8'),
  });
  const sessions = new Map();
  const LIMIT = 1 << 20;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://127.0.0.1:${port}`);
    const send = (code, body, headers = {}) => { if (res.headersSent) return; res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...headers }); res.end(body); };
    try {
      if (req.method === 'GET' && url.pathname === '/metadata') {
        return send(200, sp.metadata(), { 'content-type': 'application/samlmetadata+xml' });
      }
      if (req.method === 'GET' && url.pathname === '/login') {
        return sp.authorizeUrl().then((loc) => send(302, '', { location: loc }), (e) => send(500, 'login failed: ' + (e && e.message)));
      }
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
          let p;
          try { p = sp.validate(String(form.SAMLResponse)); } catch (e) { p = Promise.reject(e); }
          p.then(({ profile }) => {
            if (!profile || !profile.nameID) { console.log('ACS refused: no profile'); return send(403, 'refused: no profile\n'); }
            const sid = crypto.randomBytes(16).toString('hex');
            sessions.set(sid, { nameID: profile.nameID });
            console.log(`ACS accepted: NameID=${JSON.stringify(profile.nameID)}`);
            send(200, `AUTHENTICATED\nNameID: ${profile.nameID}\n`, { 'set-cookie': `labsid=${sid}; Path=/; HttpOnly` });
          }, (e) => {
            console.log(`ACS refused: ${e && e.message}`);
            send(403, `refused: ${e && e.message}\n`);
          });
        });
        return;
      }
      send(404, 'not found\n');
    } catch (e) {
      console.log(`ERROR ${req.method} ${url.pathname}: ${e && e.message}`);
      send(500, `error: ${e && e.message}\n`);
    }
  });
  server.listen(Number(port), '127.0.0.1', () => console.log(`@node-saml/node-saml ${sp.version} SP on http://127.0.0.1:${port}`));
}

module.exports = { makeSp, parseIdpMetadata };
if (require.main === module) serve(process.argv.slice(2));
