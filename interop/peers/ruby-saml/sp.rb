#!/usr/bin/ruby
# A SAML SP with ruby-saml (OneLogin's, GitLab's library: Debian's ruby-saml), configured as
# its README shows for a strict SP, for interop and conformance tests against the platform.
#
# usage: sp.rb PORT IDP_METADATA.xml SP_KEY.pem SP_CERT.pem AUTHN_CONTEXT_CLASS
# Routes: /metadata, /login, /acs, /protected (200 with the NameID, else 401), /logout, /sls.
require "webrick"
require "securerandom"
require "onelogin/ruby-saml"

port, idp_md, key_file, cert_file, authn_class = ARGV
base = "http://127.0.0.1:#{port}"
persistent = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"

settings = OneLogin::RubySaml::IdpMetadataParser.new.parse(File.read(idp_md))
settings.sp_entity_id = "#{base}/metadata"
settings.assertion_consumer_service_url = "#{base}/acs"
settings.single_logout_service_url = "#{base}/sls"
settings.name_identifier_format = persistent
settings.certificate = File.read(cert_file)
settings.private_key = File.read(key_file)
settings.authn_context = authn_class
settings.security[:authn_requests_signed] = true
settings.security[:logout_requests_signed] = true
settings.security[:logout_responses_signed] = true
settings.security[:want_assertions_signed] = true
settings.security[:want_name_id] = true
settings.security[:signature_method] = XMLSecurity::Document::RSA_SHA256
settings.security[:digest_method] = XMLSecurity::Document::SHA256

# Sessions: a random cookie value → what the login gave.
SESSIONS = {}
COOKIE = "rubysaml#{port}"

def session_of(req, res)
  id = req.cookies.find { |c| c.name == COOKIE }&.value
  unless id && SESSIONS.key?(id)
    id = SecureRandom.hex(16)
    SESSIONS[id] = {}
    res.cookies << WEBrick::Cookie.new(COOKIE, id).tap { |c| c.path = "/" }
  end
  SESSIONS[id]
end

def redirect(res, url)
  res.status = 302
  res["Location"] = url
end

def text(res, status, body)
  res.status = status
  res["Content-Type"] = "text/plain; charset=utf-8"
  res.body = body
end

server = WEBrick::HTTPServer.new(BindAddress: "127.0.0.1", Port: port.to_i,
                                 AccessLog: [], Logger: WEBrick::Log.new($stderr, WEBrick::Log::WARN))

server.mount_proc "/metadata" do |_req, res|
  res["Content-Type"] = "text/xml"
  res.body = OneLogin::RubySaml::Metadata.new.generate(settings, true)
end

server.mount_proc "/login" do |req, res|
  request = OneLogin::RubySaml::Authrequest.new
  url = request.create(settings, "RelayState" => "#{base}/protected")
  session_of(req, res)[:request_id] = request.uuid
  redirect(res, url)
end

server.mount_proc "/acs" do |req, res|
  session = session_of(req, res)
  response = OneLogin::RubySaml::Response.new(
    req.query["SAMLResponse"].to_s,
    settings: settings, matches_request_id: session[:request_id]
  )
  if response.is_valid?
    session[:name_id] = response.name_id
    session[:session_index] = response.sessionindex
    session[:attributes] = response.attributes.all
    classes = REXML::XPath.match(response.document, "//saml:AuthnContextClassRef",
                                 "saml" => "urn:oasis:names:tc:SAML:2.0:assertion")
    session[:classes] = classes.map(&:text)
    redirect(res, "#{base}/protected")
  else
    text(res, 403, "REFUSED #{response.errors.join(', ')}")
  end
rescue StandardError => e
  text(res, 403, "REFUSED #{e.class}: #{e.message}")
end

server.mount_proc "/protected" do |req, res|
  s = session_of(req, res)
  if s[:name_id]
    lines = ["AUTHENTICATED", "NameID: #{s[:name_id]}", "AuthnContext: #{s[:classes].join(' ')}"]
    s[:attributes].sort.each { |k, v| lines << "#{k}: #{Array(v).join(', ')}" }
    text(res, 200, lines.join("\n") + "\n")
  else
    text(res, 401, "not logged in")
  end
end

server.mount_proc "/logout" do |req, res|
  s = session_of(req, res)
  logout = settings.dup
  logout.name_identifier_value = s[:name_id]
  logout.sessionindex = s[:session_index]
  redirect(res, OneLogin::RubySaml::Logoutrequest.new.create(logout))
end

server.mount_proc "/sls" do |req, res|
  s = session_of(req, res)
  if req.query["SAMLRequest"]
    request = OneLogin::RubySaml::SloLogoutrequest.new(
      req.query["SAMLRequest"], settings: settings, get_params: req.query
    )
    if request.is_valid?
      s.clear
      redirect(res, OneLogin::RubySaml::SloLogoutresponse.new.create(settings, request.id, nil))
    else
      text(res, 403, "SLO REFUSED #{request.errors.join(', ')}")
    end
  else
    response = OneLogin::RubySaml::Logoutresponse.new(
      req.query["SAMLResponse"].to_s, settings, get_params: req.query
    )
    if response.validate
      s.clear
      text(res, 200, "LOGGED OUT\n")
    else
      text(res, 403, "SLO REFUSED #{response.errors.join(', ')}")
    end
  end
rescue StandardError => e
  text(res, 403, "SLO REFUSED #{e.class}: #{e.message}")
end

trap("TERM") { server.shutdown }
server.start
