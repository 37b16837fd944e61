"""A minimal SAML SP on a pinned python3-saml release (lab wrapper; the same file serves
python3-saml 1.2.5 to 1.4.0). Standard-library HTTP server, 127.0.0.1 only.

usage: sp.py PORT IDP_METADATA.xml SP_KEY.pem SP_CERT.pem AUTHN_CONTEXT_CLASS
Routes: GET /metadata, GET /login (HTTP-Redirect AuthnRequest), POST /acs (HTTP-POST),
GET /protected (200 "AUTHENTICATED" + "NameID: ..." with a session, else 401).

Configured as python3-saml's README / demo settings (settings.json + advanced_settings.json of the
release): strict true, debug true, security as the example (authnRequestsSigned false,
wantMessagesSigned false, wantAssertionsSigned false, wantNameId true, no encryption), the IdP
read from IDP_METADATA with the library's OneLogin_Saml2_IdPMetadataParser, requestedAuthnContext
= [AUTHN_CLASS] exact. The AuthnRequest ID is kept per browser (cookie) and given to
process_response(request_id=...), as the README's ACS example does with the session.
"""
import http.cookies
import secrets
import sys
import threading
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn

from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

try:
    from importlib.metadata import version as _dist_version
    LIB_VERSION = _dist_version("python3-saml")
except Exception:  # pragma: no cover
    LIB_VERSION = "?"

MAX_BODY = 1 << 20  # /acs body limit (bytes)

port = int(sys.argv[1])
idp = OneLogin_Saml2_IdPMetadataParser.parse(open(sys.argv[2]).read())
key, cert = open(sys.argv[3]).read(), open(sys.argv[4]).read()
authn_class = sys.argv[5]
base = "http://127.0.0.1:%d" % port

settings = {
    "strict": True,
    "debug": True,
    "sp": {
        "entityId": base + "/metadata",
        "assertionConsumerService": {"url": base + "/acs",
                                     "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
        "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "x509cert": cert,
        "privateKey": key,
    },
    "idp": idp["idp"],
    "security": {
        "nameIdEncrypted": False,
        "authnRequestsSigned": False,
        "logoutRequestSigned": False,
        "logoutResponseSigned": False,
        "signMetadata": False,
        "wantMessagesSigned": False,
        "wantAssertionsSigned": False,
        "wantNameId": True,
        "wantNameIdEncrypted": False,
        "wantAssertionsEncrypted": False,
        "requestedAuthnContext": [authn_class],
        "requestedAuthnContextComparison": "exact",
    },
}

pending = {}  # browser cookie -> AuthnRequest ID
sessions = {}  # session cookie -> NameID as the library returned it
lock = threading.Lock()
REQ_COOKIE, SESSION_COOKIE = "labreq%d" % port, "labsp%d" % port


def log(msg):
    print(msg, flush=True)


class Handler(BaseHTTPRequestHandler):
    server_version = "mnctf-lab-python3-saml/" + LIB_VERSION

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

    def cookie(self, name):
        jar = http.cookies.SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except http.cookies.CookieError:
            return None
        return jar[name].value if name in jar else None

    def auth(self, path, get=None, post=None):
        req = {
            "https": "off",
            "http_host": "127.0.0.1",
            "server_port": str(port),
            "script_name": path,
            "get_data": get or {},
            "post_data": post or {},
        }
        return OneLogin_Saml2_Auth(req, settings)

    def do_GET(self):
        path = urllib.parse.urlsplit(self.path).path
        try:
            if path == "/metadata":
                s = self.auth(path).get_settings()
                xml = s.get_sp_metadata()
                errors = s.validate_metadata(xml)
                if errors:
                    self.reply(500, "metadata errors: %s\n" % ", ".join(errors))
                else:
                    self.reply(200, xml, "text/xml; charset=utf-8")
            elif path == "/login":
                a = self.auth(path)
                url = a.login(return_to=base + "/protected")
                token = self.cookie(REQ_COOKIE) or secrets.token_urlsafe(24)
                with lock:
                    pending[token] = a.get_last_request_id()
                self.redirect(url, headers=[("Set-Cookie", "%s=%s; Path=/; HttpOnly" % (REQ_COOKIE, token))])
            elif path == "/protected":
                name_id = sessions.get(self.cookie(SESSION_COOKIE) or "")
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
        form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode("latin-1")).items()}
        if "SAMLResponse" not in form:
            log("REFUSED /acs: no SAMLResponse")
            self.reply(400, "REFUSED no SAMLResponse\n")
            return
        request_id = pending.get(self.cookie(REQ_COOKIE) or "")
        try:
            a = self.auth(path, post=form)
            a.process_response(request_id=request_id)
            errors = a.get_errors()
            if errors or not a.is_authenticated():
                reason = "%s %s" % (", ".join(errors), a.get_last_error_reason())
            else:
                reason = None
                name_id = a.get_nameid()
        except Exception as e:  # every refusal is reported, never crashed on
            reason = "%s: %s" % (type(e).__name__, e)
        if reason is not None:
            reason = reason if len(reason) < 2000 else reason[:2000] + "..."
            log("REFUSED /acs: " + reason.replace("\n", " "))
            self.reply(403, "REFUSED " + reason + "\n")
            return
        token = secrets.token_urlsafe(24)
        sessions[token] = name_id
        log("ACCEPTED /acs: NameID %r" % (name_id,))
        self.redirect(base + "/protected",
                      headers=[("Set-Cookie", "%s=%s; Path=/; HttpOnly; SameSite=Lax" % (SESSION_COOKIE, token))])


class Server(ThreadingMixIn, HTTPServer):
    daemon_threads = True


if __name__ == "__main__":
    log("python3-saml %s SP (Python %s) on %s" % (LIB_VERSION, sys.version.split()[0], base))
    Server(("127.0.0.1", port), Handler).serve_forever()
