#!/usr/bin/env node
// mnctf lab wrapper: a minimal SP built on passport-saml's SAML class (1.x, 2.x, 3.x API),
// configured as the passport-saml README shows (entryPoint, issuer, callbackUrl, cert), plus
// audience, AuthnRequest signing (privateKey/privateCert), decryption key, InResponseTo checks.
// Usage: node sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS   (env MNCTF_LAB_INSTALL)
// As a module: require('./sp.js').makeSp({...}) -> { saml, validate(b64) } for confirm scripts.
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

function loadSamlClass() {
  const base = path.join(process.env.MNCTF_LAB_INSTALL, 'node_modules', 'passport-saml', 'lib');
  for (const p of ['node-saml/saml.js', 'passport-saml/saml.js']) {
    if (fs.existsSync(path.join(base, p))) return require(path.join(base, p)).SAML;
  }
  throw new Error('passport-saml SAML class not found under ' + base);
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

function makeSp({ port, idpMetadata, spKey, spCert, authnClass }) {
  const SAML = loadSamlClass();
  const version = labRequire('passport-saml/package.json').version;
  const major = parseInt(version, 10);
  const idp = parseIdpMetadata(idpMetadata);
  const base = `http://127.0.0.1:${port}`;
  const options = {
    callbackUrl: `${base}/acs`,
    entryPoint: idp.sso,
    issuer: `${base}/metadata`,
    audience: `${base}/metadata`,
    cert: idp.cert, // the IdP signing certificate from its metadata KeyDescriptor
    identifierFormat: null,
    authnContext: [authnClass],
    validateInResponseTo: true,
    acceptedClockSkewMs: 5000,
    decryptionPvk: spKey,
    signatureAlgorithm: 'sha256',
  };
  if (major >= 3) options.privateKey = spKey; else options.privateCert = spKey;
  const saml = new SAML(options);

  function validate(b64) {
    if (major >= 3) return saml.validatePostResponseAsync({ SAMLResponse: b64 });
    return new Promise((resolve, reject) =>
      saml.validatePostResponse({ SAMLResponse: b64 }, (err, profile, loggedOut) => (err ? reject(err) : resolve({ profile, loggedOut }))));
  }
  function authorizeUrl() {
    if (major >= 3) return saml.getAuthorizeUrlAsync('', `127.0.0.1:${port}`, {});
    const req = { headers: { host: `127.0.0.1:${port}` }, query: {}, body: {}, protocol: 'http' };
    return new Promise((resolve, reject) => saml.getAuthorizeUrl(req, {}, (err, url) => (err ? reject(err) : resolve(url))));
  }
  function metadata() {
    return saml.generateServiceProviderMetadata(spCert, spCert);
  }
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
    const send = (code, body, headers = {}) => { res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', ...headers }); res.end(body); };
    if (req.method === 'GET' && url.pathname === '/metadata') {
      return send(200, sp.metadata(), { 'content-type': 'application/samlmetadata+xml' });
    }
    if (req.method === 'GET' && url.pathname === '/login') {
      return sp.authorizeUrl().then((loc) => send(302, '', { location: loc }), (e) => send(500, 'login failed: ' + e.message));
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
        sp.validate(String(form.SAMLResponse)).then(({ profile }) => {
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
  });
  server.listen(Number(port), '127.0.0.1', () => console.log(`passport-saml ${sp.version} SP on http://127.0.0.1:${port}`));
}

module.exports = { makeSp, parseIdpMetadata };
if (require.main === module) serve(process.argv.slice(2));
