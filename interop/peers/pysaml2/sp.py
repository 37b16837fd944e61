#!/usr/bin/python3
"""A SAML SP with pysaml2 (Debian's python3-pysaml2, xmlsec1 for signatures), for interop
tests against the platform.

usage: sp.py PORT IDP_METADATA.xml SP_KEY.pem SP_CERT.pem AUTHN_CONTEXT_CLASS
Routes: /metadata, /login, /acs, /protected (200 with the NameID, else 401), /logout,
/slo (the IdP's LogoutRequest or LogoutResponse, HTTP-Redirect).
"""
import os
import sys

from flask import Flask, make_response, redirect, request, session
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.ident import code, decode
from saml2.metadata import create_metadata_string
from saml2.saml import AuthnContextClassRef
from saml2.samlp import RequestedAuthnContext

port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}"
idp_md, key_file, cert_file, authn_class = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]

config = SPConfig()
LAX = set(filter(None, os.environ.get("MNCTF_LAX", "").split(",")))
config.load({
    "entityid": base + "/metadata",
    "xmlsec_binary": "/usr/bin/xmlsec1",
    "key_file": key_file,
    "cert_file": cert_file,
    # As pysaml2's example SP: it publishes an encryption key and decrypts with it.
    "encryption_keypairs": [{"key_file": key_file, "cert_file": cert_file}],
    "metadata": {"local": [idp_md]},
    "service": {
        "sp": {
            "endpoints": {
                "assertion_consumer_service": [(base + "/acs", BINDING_HTTP_POST)],
                "single_logout_service": [(base + "/slo", BINDING_HTTP_REDIRECT)],
            },
            "logout_requests_signed": True,
            "authn_requests_signed": True,
            # Lax configurations for testing the conformance suite (MNCTF_LAX, comma list).
            "want_assertions_signed": "unsigned" not in LAX,
            "want_response_signed": False,
            "allow_unsolicited": "unsolicited" in LAX,
            "name_id_format": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        }
    },
    "accepted_time_diff": 3600 if "clock" in LAX else 60,
})
client = Saml2Client(config)

app = Flask(__name__)
app.secret_key = "pysaml2-interop-test"
app.config["SESSION_COOKIE_NAME"] = f"pysaml2sp{port}"
outstanding = {}


@app.route("/metadata")
def metadata():
    return make_response(create_metadata_string(None, config=config).decode(), 200, {"Content-Type": "text/xml"})


@app.route("/login")
def login():
    rac = RequestedAuthnContext(authn_context_class_ref=[AuthnContextClassRef(authn_class)], comparison="exact")
    req_id, info = client.prepare_for_authenticate(binding=BINDING_HTTP_REDIRECT, requested_authn_context=rac,
                                                   sign=True, sigalg="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
                                                   digest_alg="http://www.w3.org/2001/04/xmlenc#sha256")
    outstanding[req_id] = "/protected"
    return redirect(dict(info["headers"])["Location"])


@app.route("/acs", methods=["POST"])
def acs():
    try:
        resp = client.parse_authn_request_response(request.form["SAMLResponse"], BINDING_HTTP_POST, outstanding)
    except Exception as e:  # every refusal is reported, not crashed on
        return make_response(f"REFUSED {type(e).__name__}: {e}", 403)
    # pysaml2 7.0.1 can return a response without an assertion on some failures (peers.md).
    if resp is None or resp.assertion is None or resp.name_id is None:
        return make_response("REFUSED no assertion", 403)
    session["name_id"] = resp.name_id.text
    session["name_id_code"] = code(resp.name_id)
    session["authn"] = [c.authn_context_class_ref.text for s in resp.assertion.authn_statement for c in [s.authn_context]]
    session["attributes"] = resp.get_identity()
    return redirect(base + "/protected")


@app.route("/protected")
def protected():
    if "name_id" not in session:
        return make_response("not logged in", 401)
    lines = ["AUTHENTICATED", "NameID: " + session["name_id"], "AuthnContext: " + " ".join(session.get("authn", []))]
    for k, v in sorted(session.get("attributes", {}).items()):
        lines.append(f"{k}: {', '.join(v)}")
    return make_response("\n".join(lines) + "\n", 200, {"Content-Type": "text/plain"})


SIG = {"sign": True, "sign_alg": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "digest_alg": "http://www.w3.org/2001/04/xmlenc#sha256"}


@app.route("/logout")
def logout():
    if "name_id_code" not in session:
        return make_response("LOGGED OUT\n", 200)
    responses = client.global_logout(decode(session["name_id_code"]), **SIG)
    for _idp, (binding, http_args) in responses.items():
        location = dict(http_args["headers"]).get("Location")
        if location:
            return redirect(location)
    session.clear()
    return make_response("LOGGED OUT\n", 200)


@app.route("/slo")
def slo():
    if "SAMLResponse" in request.args:
        try:
            client.parse_logout_request_response(request.args["SAMLResponse"], BINDING_HTTP_REDIRECT)
        except Exception as e:
            return make_response(f"SLO REFUSED {type(e).__name__}: {e}", 403)
        session.clear()
        return make_response("LOGGED OUT\n", 200, {"Content-Type": "text/plain"})
    if "SAMLRequest" in request.args:
        name_id = decode(session["name_id_code"]) if "name_id_code" in session else None
        http_args = client.handle_logout_request(request.args["SAMLRequest"], name_id, BINDING_HTTP_REDIRECT,
                                                 relay_state=request.args.get("RelayState"), **SIG)
        session.clear()
        return redirect(dict(http_args["headers"])["Location"])
    return make_response("no SAML message", 400)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
