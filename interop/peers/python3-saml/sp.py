#!/usr/bin/python3
"""A SAML SP with python3-saml (OneLogin, Debian's python3-onelogin-saml2), strict mode,
for interop tests against the platform.

usage: sp.py PORT IDP_METADATA.xml SP_KEY.pem SP_CERT.pem AUTHN_CONTEXT_CLASS
Routes: /metadata, /login, /acs, /protected (200 with the NameID, else 401), /logout, /sls.
"""
import os
import sys

from flask import Flask, make_response, redirect, request, session
from onelogin.saml2.auth import OneLogin_Saml2_Auth
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}"
idp = OneLogin_Saml2_IdPMetadataParser.parse(open(sys.argv[2]).read())
key, cert = open(sys.argv[3]).read(), open(sys.argv[4]).read()
authn_class = sys.argv[5]

# Lax configurations for testing the conformance suite (MNCTF_LAX, comma list).
LAX = set(filter(None, os.environ.get("MNCTF_LAX", "").split(",")))

settings = {
    "strict": "not-strict" not in LAX,
    "debug": True,
    "sp": {
        "entityId": base + "/metadata",
        "assertionConsumerService": {"url": base + "/acs", "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"},
        "singleLogoutService": {"url": base + "/sls", "binding": "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"},
        "NameIDFormat": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
        "x509cert": cert,
        "privateKey": key,
    },
    "idp": idp["idp"],
    "security": {
        "authnRequestsSigned": True,
        "logoutRequestSigned": True,
        "logoutResponseSigned": True,
        "wantAssertionsSigned": True,
        "wantMessagesSigned": False,
        "wantNameId": True,
        "requestedAuthnContext": [authn_class],
        "signatureAlgorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        "digestAlgorithm": "http://www.w3.org/2001/04/xmlenc#sha256",
    },
}

app = Flask(__name__)
app.secret_key = "python3-saml-interop-test"
app.config["SESSION_COOKIE_NAME"] = f"py3saml{port}"


def auth():
    req = {
        "https": "off",
        "http_host": request.host,
        "server_port": str(port),
        "script_name": request.path,
        "get_data": request.args.copy(),
        "post_data": request.form.copy(),
        "query_string": request.query_string.decode(),
    }
    return OneLogin_Saml2_Auth(req, settings)


def metadata_with_encryption_key(s):
    """The SP's metadata with its key also for encryption (python3-saml publishes one only
    when it requires encryption); it decrypts EncryptedAssertions with its private key."""
    from onelogin.saml2.metadata import OneLogin_Saml2_Metadata
    md = OneLogin_Saml2_Metadata.builder(s.get_sp_data(), True, True)
    return OneLogin_Saml2_Metadata.add_x509_key_descriptors(md, s.get_sp_cert(), True)


@app.route("/metadata")
def metadata():
    a = auth()
    s = a.get_settings()
    # Configurations for testing the suite: "encryption-key" publishes an encryption key.
    xml = metadata_with_encryption_key(s) if "encryption-key" in LAX else s.get_sp_metadata()
    errors = a.get_settings().validate_metadata(xml)
    if errors:
        return make_response(", ".join(errors), 500)
    return make_response(xml, 200, {"Content-Type": "text/xml"})


@app.route("/login")
def login():
    a = auth()
    url = a.login(return_to=base + "/protected")
    session["request_id"] = a.get_last_request_id()
    return redirect(url)


@app.route("/acs", methods=["POST"])
def acs():
    a = auth()
    a.process_response(request_id=session.get("request_id"))
    errors = a.get_errors()
    if errors or not a.is_authenticated():
        return make_response("REFUSED " + ", ".join(errors) + " " + str(a.get_last_error_reason()), 403)
    session["name_id"] = a.get_nameid()
    session["session_index"] = a.get_session_index()
    session["attributes"] = a.get_attributes()
    session["authn_contexts"] = a.get_last_authn_contexts()
    return redirect(base + "/protected")


@app.route("/protected")
def protected():
    if "name_id" not in session:
        return make_response("not logged in", 401)
    lines = ["AUTHENTICATED", "NameID: " + session["name_id"], "AuthnContext: " + " ".join(session.get("authn_contexts", []))]
    for k, v in sorted(session.get("attributes", {}).items()):
        lines.append(f"{k}: {', '.join(v)}")
    return make_response("\n".join(lines) + "\n", 200, {"Content-Type": "text/plain"})


@app.route("/logout")
def logout():
    a = auth()
    return redirect(a.logout(name_id=session.get("name_id"), session_index=session.get("session_index"),
                             name_id_format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"))


@app.route("/sls")
def sls():
    a = auth()
    url = a.process_slo(delete_session_cb=lambda: session.clear())
    errors = a.get_errors()
    if errors:
        return make_response("SLO REFUSED " + ", ".join(errors) + " " + str(a.get_last_error_reason()), 403)
    if url:
        return redirect(url)
    session.clear()
    return make_response("LOGGED OUT\n", 200, {"Content-Type": "text/plain"})


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
