"""A minimal SAML SP on a pinned pysaml2 release (lab wrapper; the same file serves every pysaml2
release of the lab, 4.4.0 to 6.5.0). Standard-library HTTP server, 127.0.0.1 only.

usage: sp.py PORT IDP_METADATA.xml SP_KEY.pem SP_CERT.pem AUTHN_CONTEXT_CLASS
Routes: GET /metadata, GET /login (HTTP-Redirect AuthnRequest, signed), POST /acs (HTTP-POST),
GET /protected (200 "AUTHENTICATED" + "NameID: ..." with a session, else 401).

Configured as pysaml2's example SP (example/sp-wsgi/sp_conf.py.example of the release):
xmlsec_binary /usr/bin/xmlsec1, metadata from a local file, authn_requests_signed, no
encryption key published (the example has no encryption_keypairs), want_response_signed False,
want_assertions_signed True (stated explicitly: pysaml2's default, which 4.4.0 and 4.5.0 differ in,
commit 5f6b078c, and a pair must differ only in its fix), allow_unsolicited False.
"""
import http.cookies
import secrets
import sys
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn

import saml2
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import AuthnContextClassRef
from saml2.samlp import RequestedAuthnContext

try:
    from importlib.metadata import version as _dist_version
    LIB_VERSION = _dist_version("pysaml2")
except Exception:  # pragma: no cover
    LIB_VERSION = "?"

SIG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
DIGEST_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
MAX_BODY = 1 << 20  # /acs body limit (bytes)

port = int(sys.argv[1])
idp_md, key_file, cert_file, authn_class = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
base = "http://127.0.0.1:%d" % port

config = SPConfig()
config.load({
    "entityid": base + "/metadata",
    "description": "mnctf lab SP (pysaml2 %s)" % LIB_VERSION,
    "xmlsec_binary": "/usr/bin/xmlsec1",
    "key_file": key_file,
    "cert_file": cert_file,
    "metadata": {"local": [idp_md]},
    "service": {
        "sp": {
            "endpoints": {
                "assertion_consumer_service": [(base + "/acs", BINDING_HTTP_POST)],
            },
            "authn_requests_signed": True,
            "want_response_signed": False,
            "want_assertions_signed": True,
            "allow_unsolicited": False,
            "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        }
    },
    "accepted_time_diff": 60,
})
client = Saml2Client(config)

outstanding = {}  # AuthnRequest ID -> came_from
sessions = {}  # cookie -> NameID as the library returned it
lock = threading.Lock()
COOKIE = "labsp%d" % port


def log(msg):
    print(msg, flush=True)


class Handler(BaseHTTPRequestHandler):
    server_version = "mnctf-lab-pysaml2/" + LIB_VERSION

    def log_message(self, fmt, *args):
        sys.stdout.write("%s %s\n" % (self.address_string(), fmt % args))
        sys.stdout.flush()

    def reply(self, code, body, ctype="text/plain; charset=utf-8", headers=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location, headers=()):
        self.reply(303, "", headers=[("Location", location)] + list(headers))

    def session_name_id(self):
        jar = http.cookies.SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except http.cookies.CookieError:
            return None
        if COOKIE not in jar:
            return None
        return sessions.get(jar[COOKIE].value)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == "/metadata":
                xml = create_metadata_string(None, config=config)
                self.reply(200, xml, "text/xml; charset=utf-8")
            elif path == "/login":
                rac = RequestedAuthnContext(authn_context_class_ref=[AuthnContextClassRef(text=authn_class)],
                                            comparison="exact")
                # pysaml2 < 6 takes sign_alg/digest_alg for the XML signature and sigalg for the
                # query-string one; 6.x takes sigalg/digest_alg and refuses a second sign_alg.
                algs = {"sigalg": SIG_RSA_SHA256, "digest_alg": DIGEST_SHA256}
                if int(LIB_VERSION.split(".")[0]) < 6:
                    algs["sign_alg"] = SIG_RSA_SHA256
                with lock:
                    req_id, info = client.prepare_for_authenticate(
                        binding=BINDING_HTTP_REDIRECT, requested_authn_context=rac, sign=True, **algs)
                    outstanding[req_id] = "/protected"
                self.redirect(dict(info["headers"])["Location"])
            elif path == "/protected":
                name_id = self.session_name_id()
                if name_id is None:
                    self.reply(401, "not logged in\n")
                else:
                    self.reply(200, "AUTHENTICATED\nNameID: %s\n" % name_id)
            else:
                self.reply(404, "not found\n")
        except Exception as e:
            traceback.print_exc()
            self.reply(500, "error %s: %s\n" % (type(e).__name__, e))

    def do_POST(self):
        path = urllib.parse.urlsplit(self.path).path
        if path != "/acs":
            self.reply(404, "not found\n")
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            log("REFUSED /acs: body of %s bytes over the %d limit" % (self.headers.get("Content-Length"), MAX_BODY))
            self.close_connection = True
            self.reply(413, "REFUSED body too large\n")
            return
        form = urllib.parse.parse_qs(self.rfile.read(length).decode("latin-1"))
        if "SAMLResponse" not in form:
            log("REFUSED /acs: no SAMLResponse")
            self.reply(400, "REFUSED no SAMLResponse\n")
            return
        try:
            with lock:
                resp = client.parse_authn_request_response(form["SAMLResponse"][0], BINDING_HTTP_POST, outstanding)
            if resp is None or resp.assertion is None or resp.name_id is None:
                raise ValueError("no assertion / NameID returned by the library")
            name_id = resp.name_id.text
        except Exception as e:  # every refusal is reported, never crashed on
            reason = "%s: %s" % (type(e).__name__, e)
            reason = reason if len(reason) < 2000 else reason[:2000] + "..."
            log("REFUSED /acs: " + reason.replace("\n", " "))
            self.reply(403, "REFUSED " + reason + "\n")
            return
        token = secrets.token_urlsafe(24)
        sessions[token] = name_id
        log("ACCEPTED /acs: NameID %r" % name_id)
        self.redirect(base + "/protected",
                      headers=[("Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax" % (COOKIE, token))])


class Server(ThreadingMixIn, HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    log("pysaml2 %s SP (saml2 %s, Python %s) on %s" % (LIB_VERSION, saml2.__file__, sys.version.split()[0], base))
    Server(("127.0.0.1", port), Handler).serve_forever()
