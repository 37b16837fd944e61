#!/usr/bin/env node
// A minimal SAML SP with saml2-js (Clever/saml2), configured the way its README shows (the
// ServiceProvider / IdentityProvider options and the Express example), shared by the saml2-js
// releases of the lab (1.12.3 to 2.0.5 have the same ServiceProvider / IdentityProvider API; 1.x
// has no Conditions checks, so audience and notbefore_skew, which this wrapper never sets, do not
// exist there).
//
// usage: sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS   (env MNCTF_LAB_INSTALL = install folder)
// Routes: GET /metadata, GET /login (HTTP-Redirect AuthnRequest, signed), POST /acs (HTTP-POST),
// GET /acs (the IdP's LogoutRequest by HTTP-Redirect: saml2-js puts its SingleLogoutService on the
// assert endpoint), GET /protected (200 "AUTHENTICATED" + "NameID: ..." with a session, else 401).
//
// Configuration, and why:
// - ServiceProvider: entity_id = /metadata URL, assert_endpoint = /acs, private_key/certificate =
//   SP_KEY/SP_CERT. create_metadata() publishes that certificate for signing AND encryption, and
//   post_assert decrypts an EncryptedAssertion with private_key: the SP takes encrypted assertions.
// - allow_unencrypted_assertion: true, as the README's ServiceProvider example (a plaintext
//   assertion is accepted too; the suite's golden Response is plaintext).
// - sign_get_request: true (saml2-js can sign the HTTP-Redirect AuthnRequest; rsa-sha256).
// - auth_context { comparison: "exact", class_refs: [AUTHN_CLASS] }, nameid_format persistent
//   (what the IdP metadata offers), as the README example sets them.
// - audience and notbefore_skew left at their defaults (audience = entity_id, skew 1 s), as the
//   README documents them.
// - IdentityProvider: saml2-js takes no metadata; sso_login_url, sso_logout_url and certificates
//   are copied from IDP_METADATA (the HTTP-Redirect SingleSignOnService / SingleLogoutService and
//   every KeyDescriptor certificate that is not use="encryption"), as a vendor does by hand.
'use strict';
const path = require('path');
const fs = require('fs');
const http = require('http');
const crypto = require('crypto');
const querystring = require('querystring');

const install = process.env.MNCTF_LAB_INSTALL;
if (!install) { console.error('sp.js: MNCTF_LAB_INSTALL is not set'); process.exit(2); }
const req = (m) => require(path.join(install, 'node_modules', m));
const saml2 = req('saml2-js');
const version = req('saml2-js/package.json').version;
const { DOMParser } = req('xmldom');

const [portArg, idpMetadata, spKey, spCert, authnClass] = process.argv.slice(2);
if (!authnClass) { console.error('usage: sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS'); process.exit(2); }
const port = Number(portArg);
const base = `http://127.0.0.1:${port}`;
const BODY_LIMIT = 1024 * 1024;
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata', DS = 'http://www.w3.org/2000/09/xmldsig#';
const REDIRECT = 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect';
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

// --- the IdP, copied out of its metadata ---
const md = new DOMParser().parseFromString(fs.readFileSync(idpMetadata, 'utf8'));
const idpDesc = md.getElementsByTagNameNS(MD, 'IDPSSODescriptor')[0];
if (!idpDesc) { console.error('sp.js: no IDPSSODescriptor in', idpMetadata); process.exit(2); }
const endpoint = (name) => {
  const els = idpDesc.getElementsByTagNameNS(MD, name);
  for (let i = 0; i < els.length; i++) if (els[i].getAttribute('Binding') === REDIRECT) return els[i].getAttribute('Location');
  return undefined;
};
const certificates = [];
const kds = idpDesc.getElementsByTagNameNS(MD, 'KeyDescriptor');
for (let i = 0; i < kds.length; i++) {
  if (kds[i].getAttribute('use') === 'encryption') continue;
  const c = kds[i].getElementsByTagNameNS(DS, 'X509Certificate');
  for (let j = 0; j < c.length; j++) certificates.push(c[j].textContent.replace(/\s+/g, ''));
}
const idp = new saml2.IdentityProvider({
  sso_login_url: endpoint('SingleSignOnService'),
  sso_logout_url: endpoint('SingleLogoutService'),
  certificates,
});

const sp = new saml2.ServiceProvider({
  entity_id: `${base}/metadata`,
  private_key: fs.readFileSync(spKey, 'utf8'),
  certificate: fs.readFileSync(spCert, 'utf8'),
  assert_endpoint: `${base}/acs`,
  auth_context: { comparison: 'exact', class_refs: [authnClass] },
  nameid_format: PERSISTENT,
  sign_get_request: true,
  allow_unencrypted_assertion: true,
});

const sessions = new Map(); // cookie token -> { nameID }
const cookieName = `saml2jssp${port}`;
const log = (...a) => console.log(new Date().toISOString(), ...a);
const reason = (e) => (e instanceof Error ? e.message + (e.extra ? ' ' + JSON.stringify(e.extra) : '') : typeof e === 'string' ? e : JSON.stringify(e));

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

function readBody(request) {
  return new Promise((resolve, reject) => {
    let size = 0; const chunks = [];
    request.on('data', (c) => {
      size += c.length;
      if (size > BODY_LIMIT) { reject(new Error('body larger than 1 MB')); request.destroy(); return; }
      chunks.push(c);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

const server = http.createServer(async (request, res) => {
  const url = new URL(request.url, base);
  try {
    if (request.method === 'GET' && url.pathname === '/metadata') {
      return send(res, 200, sp.create_metadata(), { 'Content-Type': 'application/samlmetadata+xml' });
    }
    if (request.method === 'GET' && url.pathname === '/login') {
      return sp.create_login_request_url(idp, {}, (err, loginUrl) => {
        if (err) { log('ERROR /login:', reason(err)); return send(res, 500, `ERROR ${reason(err)}\n`); }
        res.writeHead(302, { Location: loginUrl }); res.end();
      });
    }
    if (request.method === 'POST' && url.pathname === '/acs') {
      let body;
      try { body = querystring.parse(await readBody(request)); } catch (e) {
        log('REFUSED /acs:', reason(e)); return send(res, 413, `REFUSED ${reason(e)}\n`);
      }
      if (typeof body.SAMLResponse !== 'string') { log('REFUSED /acs: no SAMLResponse'); return send(res, 400, 'REFUSED no SAMLResponse\n'); }
      return sp.post_assert(idp, { request_body: { SAMLResponse: body.SAMLResponse, RelayState: body.RelayState } }, (err, samlResponse) => {
        if (err) { log('REFUSED /acs:', reason(err)); return send(res, 403, `REFUSED ${reason(err)}\n`); }
        const nameID = samlResponse && samlResponse.user && samlResponse.user.name_id;
        if (samlResponse.type !== 'authn_response' || nameID === undefined || nameID === null || nameID === '') {
          log('REFUSED /acs: not an authn response with a NameID'); return send(res, 403, 'REFUSED no NameID\n');
        }
        const token = crypto.randomBytes(24).toString('hex');
        sessions.set(token, { nameID: String(nameID) });
        log('ACCEPTED /acs: NameID', JSON.stringify(nameID));
        res.writeHead(303, { Location: '/protected', 'Set-Cookie': `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Lax` });
        res.end();
      });
    }
    if (request.method === 'GET' && url.pathname === '/acs') {
      // IdP-initiated logout (HTTP-Redirect), as the README's /logout + redirect_assert example.
      const query = Object.fromEntries(url.searchParams);
      return sp.redirect_assert(idp, { request_body: query }, (err, samlResponse) => {
        if (err) { log('REFUSED GET /acs:', reason(err)); return send(res, 403, `REFUSED ${reason(err)}\n`); }
        if (samlResponse.type !== 'logout_request') { log('REFUSED GET /acs: type', samlResponse.type); return send(res, 403, `REFUSED ${samlResponse.type}\n`); }
        const nameID = samlResponse.name_id;
        let ended = 0;
        for (const [t, s] of sessions) if (s.nameID === nameID) { sessions.delete(t); ended++; }
        log('LOGOUT: NameID', JSON.stringify(nameID), 'sessions ended', ended);
        sp.create_logout_response_url(idp, { in_response_to: samlResponse.response_header.id, relay_state: query.RelayState }, (e2, logoutUrl) => {
          if (e2) return send(res, 500, `ERROR ${reason(e2)}\n`);
          res.writeHead(302, { Location: logoutUrl }); res.end();
        });
      });
    }
    if (request.method === 'GET' && url.pathname === '/protected') {
      const m = (request.headers.cookie || '').match(new RegExp(`(?:^|;\\s*)${cookieName}=([0-9a-f]+)`));
      const s = m && sessions.get(m[1]);
      if (!s) return send(res, 401, 'not authenticated\n');
      return send(res, 200, `AUTHENTICATED\nNameID: ${s.nameID}\n`);
    }
    return send(res, 404, 'not found\n');
  } catch (e) {
    log('ERROR', request.method, url.pathname, reason(e));
    if (!res.headersSent) send(res, 500, `ERROR ${reason(e)}\n`);
  }
});
server.listen(port, '127.0.0.1', () => log(`saml2-js ${version} SP on ${base}; IdP SSO ${idp.sso_login_url}, ${certificates.length} signing certificate(s)`));
