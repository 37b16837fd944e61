#!/usr/bin/env node
// A minimal SAML SP with samlify, configured the way samlify's README and docs show
// (shared by every samlify release of the lab; the API used here is the same from 2.9 to 2.13).
//
// usage: sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS   (env MNCTF_LAB_INSTALL = install folder)
// Routes: GET /metadata, GET /login (HTTP-Redirect AuthnRequest, signed), POST /acs (HTTP-POST),
// GET /protected (200 "AUTHENTICATED" + "NameID: ..." with a session, else 401).
//
// Configuration, and why:
// - schema validator: @authenio/samlify-xsd-schema-validator, the first one samlify's README
//   lists (Java, XSD validation of every incoming message); setSchemaValidator is mandatory.
// - IdP trusted from its metadata file: IdentityProvider({ metadata }), as the README does.
// - SP: entityID = /metadata URL, one HTTP-POST ACS, wantAssertionsSigned (samlify's example
//   SP); AuthnRequests signed exactly when the IdP metadata says WantAuthnRequestsSigned (samlify
//   refuses a mismatch: the suite's IdP says false, so requests go unsigned); signing key/cert =
//   SP_KEY/SP_CERT, NameIDFormat persistent (what the IdP metadata offers). The AuthnRequest is samlify's default template plus a
//   RequestedAuthnContext for AUTHN_CLASS (loginRequestTemplate + customTagReplacement, the
//   documented way to change the request).
// - no encryption key: samlify decrypts only when the IdP entity is set isAssertionEncrypted,
//   and then refuses every plaintext assertion; a vendor whose IdP sends plaintext (the suite's
//   golden Response) does not set it, so the SP's metadata publishes no encryption key.
// - everything else at samlify's defaults (clock drift 0, no InResponseTo bookkeeping: samlify
//   leaves that to the application and the README example does not do it).
'use strict';
const path = require('path');
const fs = require('fs');
const http = require('http');
const crypto = require('crypto');
const querystring = require('querystring');

const install = process.env.MNCTF_LAB_INSTALL;
if (!install) { console.error('sp.js: MNCTF_LAB_INSTALL is not set'); process.exit(2); }
const req = (m) => require(path.join(install, 'node_modules', m));
const saml = req('samlify');
const validator = req('@authenio/samlify-xsd-schema-validator');
const samlifyVersion = req('samlify/package.json').version;

const [portArg, idpMetadata, spKey, spCert, authnClass] = process.argv.slice(2);
if (!authnClass) { console.error('usage: sp.js PORT IDP_METADATA SP_KEY SP_CERT AUTHN_CLASS'); process.exit(2); }
const port = Number(portArg);
const base = `http://127.0.0.1:${port}`;
const BODY_LIMIT = 1024 * 1024;

saml.setSchemaValidator(validator);

const POST = saml.Constants.namespace.binding.post;
const PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

const loginRequestTemplate = {
  context: '<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{ID}" Version="2.0" IssueInstant="{IssueInstant}" Destination="{Destination}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" AssertionConsumerServiceURL="{AssertionConsumerServiceURL}"><saml:Issuer>{Issuer}</saml:Issuer><samlp:NameIDPolicy Format="{NameIDFormat}" AllowCreate="{AllowCreate}"/><samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>{AuthnContextClassRef}</saml:AuthnContextClassRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>',
};

const idp = saml.IdentityProvider({ metadata: fs.readFileSync(idpMetadata) });
// samlify refuses to build a request when the SP's AuthnRequestsSigned and the IdP's
// WantAuthnRequestsSigned differ (ERR_METADATA_CONFLICT_REQUEST_SIGNED_FLAG): follow the IdP.
const sp = saml.ServiceProvider({
  entityID: `${base}/metadata`,
  authnRequestsSigned: idp.entityMeta.isWantAuthnRequestsSigned(),
  wantAssertionsSigned: true,
  privateKey: fs.readFileSync(spKey),
  signingCert: fs.readFileSync(spCert),
  nameIDFormat: [PERSISTENT],
  assertionConsumerService: [{ Binding: POST, Location: `${base}/acs` }],
  loginRequestTemplate,
});

function tagReplacement(template) {
  const id = '_' + crypto.randomUUID();
  const context = saml.SamlLib.replaceTagsByValue(typeof template === 'string' ? template : template.context, {
    ID: id,
    Destination: idp.entityMeta.getSingleSignOnService('redirect'),
    Issuer: sp.entityMeta.getEntityID(),
    IssueInstant: new Date().toISOString(),
    NameIDFormat: PERSISTENT,
    AllowCreate: 'true',
    AssertionConsumerServiceURL: `${base}/acs`,
    AuthnContextClassRef: authnClass,
  });
  return { id, context };
}

const sessions = new Map(); // cookie token -> { nameID }
const cookieName = `samlifysp${port}`;
const log = (...a) => console.log(new Date().toISOString(), ...a);

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

function reason(e) {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  try { return JSON.stringify(e); } catch (_) { return String(e); }
}

const server = http.createServer(async (request, res) => {
  const url = new URL(request.url, base);
  try {
    if (request.method === 'GET' && url.pathname === '/metadata') {
      return send(res, 200, sp.getMetadata(), { 'Content-Type': 'application/samlmetadata+xml' });
    }
    if (request.method === 'GET' && url.pathname === '/login') {
      const { context } = sp.createLoginRequest(idp, 'redirect', tagReplacement);
      res.writeHead(302, { Location: context }); return res.end();
    }
    if (request.method === 'POST' && url.pathname === '/acs') {
      let body;
      try { body = querystring.parse(await readBody(request)); } catch (e) {
        log('REFUSED /acs:', reason(e)); return send(res, 413, `REFUSED ${reason(e)}\n`);
      }
      if (typeof body.SAMLResponse !== 'string') { log('REFUSED /acs: no SAMLResponse'); return send(res, 400, 'REFUSED no SAMLResponse\n'); }
      let result;
      try {
        result = await sp.parseLoginResponse(idp, 'post', { body: { SAMLResponse: body.SAMLResponse, RelayState: body.RelayState } });
      } catch (e) {
        log('REFUSED /acs:', reason(e)); return send(res, 403, `REFUSED ${reason(e)}\n`);
      }
      const nameID = result.extract && result.extract.nameID;
      if (nameID === undefined || nameID === null || nameID === '') {
        log('REFUSED /acs: no NameID in the extracted assertion'); return send(res, 403, 'REFUSED no NameID\n');
      }
      const token = crypto.randomBytes(24).toString('hex');
      sessions.set(token, { nameID: String(nameID) });
      log('ACCEPTED /acs: NameID', JSON.stringify(nameID));
      res.writeHead(303, { Location: '/protected', 'Set-Cookie': `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Lax` });
      return res.end();
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
server.listen(port, '127.0.0.1', () => log(`samlify ${samlifyVersion} SP on ${base}`));
