#!/usr/bin/python3
"""A SAML SP with Lasso (Debian's python3-lasso, the library under mod_auth_mellon), for
interop tests against the platform. Lasso checks signatures, the Issuer and the Status;
like mod_auth_mellon, this application adds the Audience, Destination, Recipient,
InResponseTo and time checks.

usage: sp.py PORT IDP_METADATA.xml SP_KEY.pem SP_CERT.pem AUTHN_CONTEXT_CLASS
Routes: /metadata, /login, /acs, /protected (200 with the NameID, else 401), /logout,
/slo (the IdP's LogoutRequest or LogoutResponse, HTTP-Redirect).
"""
import datetime
import secrets
import sys

import lasso
from flask import Flask, make_response, redirect, request, session

port = int(sys.argv[1])
base = f"http://127.0.0.1:{port}"
idp_md = open(sys.argv[2]).read()
key, cert = open(sys.argv[3]).read(), open(sys.argv[4]).read()
authn_class = sys.argv[5]
entity_id = base + "/metadata"
cert_body = "".join(l for l in cert.splitlines() if not l.startswith("-----"))

sp_md = f"""<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
<md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert_body}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{base}/slo"/>
<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{base}/acs" index="0" isDefault="true"/>
</md:SPSSODescriptor></md:EntityDescriptor>"""


def server():
    s = lasso.Server.newFromBuffers(sp_md, key, None, cert)
    s.signatureMethod = lasso.SIGNATURE_METHOD_RSA_SHA256
    s.addProviderFromBuffer(lasso.PROVIDER_ROLE_IDP, idp_md)
    return s


SERVER = server()
IDP_ID = list(SERVER.providers.keys())[0]

# Lasso session dumps hold the assertion: too big for a cookie, kept here by a random key.
LASSO_SESSIONS = {}

app = Flask(__name__)
app.secret_key = "lasso-interop-test"
app.config["SESSION_COOKIE_NAME"] = f"lassosp{port}"


@app.route("/metadata")
def metadata():
    return make_response(sp_md, 200, {"Content-Type": "text/xml"})


@app.route("/login")
def login():
    lg = lasso.Login(SERVER)
    lg.initAuthnRequest(IDP_ID, lasso.HTTP_METHOD_REDIRECT)
    req = lg.request
    req.nameIdPolicy.format = lasso.SAML2_NAME_IDENTIFIER_FORMAT_PERSISTENT
    req.nameIdPolicy.allowCreate = True
    req.protocolBinding = lasso.SAML2_METADATA_BINDING_POST
    req.assertionConsumerServiceURL = base + "/acs"
    rac = lasso.Samlp2RequestedAuthnContext()
    rac.authnContextClassRef = (authn_class,)
    rac.comparison = "exact"
    req.requestedAuthnContext = rac
    lg.buildAuthnRequestMsg()
    session["request_id"] = req.iD
    return redirect(lg.msgUrl)


def refuse(why):
    return make_response("REFUSED " + why, 403)


def instant(text):
    return datetime.datetime.strptime(text[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)


@app.route("/acs", methods=["POST"])
def acs():
    lg = lasso.Login(SERVER)
    try:
        lg.processAuthnResponseMsg(request.form["SAMLResponse"])
        lg.acceptSso()
    except lasso.Error as e:
        return refuse(f"lasso: {e}")
    a = lg.assertion
    now = datetime.datetime.now(datetime.timezone.utc)
    skew = datetime.timedelta(minutes=3)
    resp = lg.response
    if resp.destination and resp.destination != base + "/acs":
        return refuse("Destination")
    audiences = []
    for r in a.conditions.audienceRestriction:
        # Lasso's binding gives a string for a single Audience, a tuple for several.
        audiences.extend([r.audience] if isinstance(r.audience, str) else list(r.audience))
    if entity_id not in audiences:
        return refuse("Audience")
    scd = a.subject.subjectConfirmation.subjectConfirmationData
    if scd.recipient != base + "/acs" or scd.inResponseTo != session.get("request_id"):
        return refuse("Recipient or InResponseTo")
    if instant(scd.notOnOrAfter) + skew < now or instant(a.conditions.notOnOrAfter) + skew < now:
        return refuse("expired")
    if a.conditions.notBefore and instant(a.conditions.notBefore) - skew > now:
        return refuse("not yet valid")
    key = secrets.token_hex(16)
    LASSO_SESSIONS[key] = lg.session.dump()
    session["lasso"] = key
    session["name_id"] = lg.nameIdentifier.content
    session["authn"] = [s.authnContext.authnContextClassRef for s in a.authnStatement]
    return redirect(base + "/protected")


@app.route("/protected")
def protected():
    if "name_id" not in session:
        return make_response("not logged in", 401)
    lines = ["AUTHENTICATED", "NameID: " + session["name_id"], "AuthnContext: " + " ".join(session.get("authn", []))]
    return make_response("\n".join(lines) + "\n", 200, {"Content-Type": "text/plain"})


@app.route("/logout")
def logout():
    dump = LASSO_SESSIONS.pop(session.get("lasso", ""), None)
    if dump is None:
        session.clear()
        return make_response("LOGGED OUT\n", 200)
    lo = lasso.Logout(SERVER)
    lo.setSessionFromDump(dump)
    lo.initRequest(IDP_ID, lasso.HTTP_METHOD_REDIRECT)
    lo.buildRequestMsg()
    session.clear()
    return redirect(lo.msgUrl)


@app.route("/slo")
def slo():
    query = request.query_string.decode()
    lo = lasso.Logout(SERVER)
    if "SAMLResponse" in request.args:
        try:
            lo.processResponseMsg(query)
        except lasso.Error as e:
            return refuse(f"lasso logout response: {e}")
        session.clear()
        return make_response("LOGGED OUT\n", 200, {"Content-Type": "text/plain"})
    try:
        lo.processRequestMsg(query)
    except lasso.Error as e:
        return refuse(f"lasso logout request: {e}")
    dump = LASSO_SESSIONS.pop(session.get("lasso", ""), None)
    if dump:
        lo.setSessionFromDump(dump)
    try:
        lo.validateRequest()
    except lasso.Error:
        pass  # an unknown session is answered with the failure status Lasso has set
    lo.buildResponseMsg()
    session.clear()
    return redirect(lo.msgUrl)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=port, debug=False, use_reloader=False)
