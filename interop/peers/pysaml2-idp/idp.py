#!/usr/bin/python3
"""A SAML IdP with pysaml2 (Debian's python3-pysaml2, xmlsec1 for signatures), as its
example IdP (example/idp2) does the Web SSO profile: a password login (testuser /
testpass), signed Responses and Assertions; AuthnRequest signatures verified as the example
does when the request carries one. For the IdP conformance suite's protocol part.

usage: idp.py PORT IDP_KEY.pem IDP_CERT.pem SP_METADATA.xml...
Routes: /metadata, /sso (HTTP-Redirect), /login (the password form, POST).
"""
import html
import secrets
import sys

from flask import Flask, make_response, request
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.authn_context import PASSWORD, UNSPECIFIED, AuthnBroker, authn_context_class_ref
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import NAMEID_FORMAT_PERSISTENT
from saml2.server import Server
from saml2.sigver import verify_redirect_signature

port = int(sys.argv[1])
key_file, cert_file, sp_metadata = sys.argv[2], sys.argv[3], sys.argv[4:]
base = f"http://127.0.0.1:{port}"

config = IdPConfig()
config.load({
    "entityid": base + "/metadata",
    "xmlsec_binary": "/usr/bin/xmlsec1",
    "key_file": key_file,
    "cert_file": cert_file,
    "metadata": {"local": sp_metadata},
    "service": {
        "idp": {
            "endpoints": {"single_sign_on_service": [(base + "/sso", BINDING_HTTP_REDIRECT)]},
            "policy": {"default": {"lifetime": {"minutes": 5}, "name_form": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri"}},
            "name_id_format": [NAMEID_FORMAT_PERSISTENT],
            "sign_response": True,
            "sign_assertion": True,
        }
    },
})
idp = Server(config=config)
broker = AuthnBroker()
# As example/idp2's broker: the password method (a name here, its function there), and
# UNSPECIFIED without one, so that a request naming no class is given the password login.
broker.add(authn_context_class_ref(PASSWORD), "password", 10, base)
broker.add(authn_context_class_ref(UNSPECIFIED), "", 0, base)
USERS = {"testuser": "testpass"}
# The profile's algorithms (TF-IDP-006), as the SP peer asks of pysaml2 too: its default is SHA-1.
SHA256 = {"sign_alg": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
          "digest_alg": "http://www.w3.org/2001/04/xmlenc#sha256"}
pending = {}  # login key -> the parsed request and its RelayState
sessions = {}  # SSO session cookie -> user (as example/idp2 keeps its "idpauthn" cookie)
COOKIE = "pysaml2idp"
app = Flask(__name__)


def refused(why, status=400):
    return make_response(f"<html><body><p id=\"error\">{html.escape(why)}</p></body></html>", status)


@app.route("/metadata")
def metadata():
    return make_response(create_metadata_string(None, config=config).decode(), 200, {"Content-Type": "text/xml"})


@app.route("/sso")
def sso():
    try:
        req = idp.parse_authn_request(request.args["SAMLRequest"], BINDING_HTTP_REDIRECT)
    except Exception as e:  # every refusal is reported, not crashed on
        return refused(f"bad AuthnRequest: {type(e).__name__}: {e}")
    # As example/idp2 does: a signed request must verify with a key of its SP's metadata.
    if "SigAlg" in request.args and "Signature" in request.args:
        msg = {k: request.args[k] for k in ("SAMLRequest", "RelayState", "SigAlg", "Signature") if k in request.args}
        issuer = req.message.issuer.text
        try:
            certs = idp.metadata.certs(issuer, "any", "signing")
            verified = any(verify_redirect_signature(msg, idp.sec.sec_backend, cert) for cert in certs)
        except Exception as e:  # an unknown requester, an unknown algorithm: refused, not crashed on
            return refused(f"the AuthnRequest signature cannot be checked: {type(e).__name__}: {e}")
        if not verified:
            return refused("the AuthnRequest signature does not verify")
    # As example/idp2's do_authentication: the broker picks a method for the requested
    # AuthnContext, and none is an error page ("No usable authentication method").
    if not broker.pick(req.message.requested_authn_context):
        return refused("No usable authentication method", 401)
    key = secrets.token_urlsafe(16)
    pending[key] = (req, request.args.get("RelayState"))
    user = sessions.get(request.cookies.get(COOKIE, ""))
    if user is not None and req.message.force_authn != "true":
        return respond(key, user)
    if req.message.is_passive == "true":
        return respond(key, None)
    return login_form(key)


def login_form(key, error=""):
    return make_response(f"""<html><body><p>{html.escape(error)}</p><form method="post" action="/login">
<input type="hidden" name="key" value="{key}"/><input name="username"/><input type="password" name="password"/>
<button>Log in</button></form></body></html>""", 200)


@app.route("/login", methods=["POST"])
def login():
    key = request.form.get("key", "")
    if key not in pending:
        return refused("unknown login")
    user = request.form.get("username", "")
    if USERS.get(user) != request.form.get("password"):
        return login_form(key, "wrong user name or password")
    page = respond(key, user)
    token = secrets.token_urlsafe(16)
    sessions[token] = user
    page.set_cookie(COOKIE, token, httponly=True)
    return page


def respond(key, user):
    req, relay = pending.pop(key)
    try:
        args = idp.response_args(req.message)
    except Exception as e:  # e.g. an ACS its metadata does not list: refused, not crashed on
        return refused(f"{type(e).__name__}: {e}")
    if user is None:
        resp = idp.create_error_response(req.message.id, args["destination"],
                                         ("urn:oasis:names:tc:SAML:2.0:status:NoPassive", "no session"),
                                         sign=True, **SHA256)
    else:
        resp = idp.create_authn_response({"uid": [user]}, userid=user, authn=broker.get_authn_by_accr(PASSWORD),
                                         sign_response=True, sign_assertion=True, **SHA256, **args)
    http_args = idp.apply_binding(BINDING_HTTP_POST, str(resp), args["destination"], relay, response=True)
    return make_response(http_args["data"], 200)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
