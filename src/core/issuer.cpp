#include "issuer.hpp"

#include "url.hpp"

namespace wellknown {

namespace {

DocumentKind kind_of(Resource r) {
  switch (r) {
    case Resource::OpenIdConfiguration: return DocumentKind::OpenIdConfiguration;
    case Resource::AuthorizationServer: return DocumentKind::AuthorizationServer;
    case Resource::ProtectedResource: return DocumentKind::ProtectedResource;
    case Resource::Jwks: break;
  }
  throw ConfigError("a key set is not a metadata document");
}

}  // namespace

IssuerDocuments build_issuer(const IssuerConfig& config, const JwkSet* keys) {
  UrlRules rules;
  rules.allow_http = config.validation.allow_http;
  rules.allow_query = false;  // RFC 8414 §2, OIDC Discovery §3: no query in an issuer
  Url url = check_url("issuer", config.issuer, rules);
  // `path` is the identifier's path as written (percent-encoded, used in
  // URLs); `route` is the form nginx's decoded request URI takes.
  std::string path = identifier_path(url.path);
  std::string route;
  try {
    route = route_path(path);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string("issuer: ") + e.what());
  }
  std::string origin = (url.https ? "https://" : "http://") + url.host +
                       (url.port.empty() ? "" : ":" + url.port);

  if (config.members.contains("issuer") && config.members["issuer"] != config.issuer) {
    // OIDC Discovery §4.3 and RFC 8414 §3.3: clients refuse a document whose
    // issuer differs from the one they asked for.
    throw ConfigError("issuer member " + config.members["issuer"].dump() +
                      " differs from the issuer identifier \"" + config.issuer + "\"");
  }

  IssuerDocuments out;
  std::string jwks_uri;
  if (keys) {
    if (config.jwks_path) {
      const std::string& p = *config.jwks_path;
      if (p.empty() || p[0] != '/' || p.find_first_of("?#") != std::string::npos) {
        throw ConfigError("jwks_path \"" + p + "\" must be an absolute path without query");
      }
      try {
        out.jwks_paths = {route_path(p)};  // written as in a URL, routed decoded
      } catch (const ConfigError& e) {
        throw ConfigError(std::string("jwks_path: ") + e.what());
      }
      jwks_uri = origin + p;
    } else {
      out.jwks_paths = well_known_paths(Resource::Jwks, route, config.forms);
      jwks_uri = origin + well_known_paths(Resource::Jwks, path, config.forms).front();
    }
  }

  for (Resource resource : config.documents) {
    DocumentKind kind = kind_of(resource);
    nlohmann::ordered_json doc = nlohmann::ordered_json::object();
    doc["issuer"] = config.issuer;
    for (const auto& m : config.members.items()) {
      set_member(doc, m.key(), m.value());
    }
    if (keys && !doc.contains("jwks_uri")) {
      doc["jwks_uri"] = jwks_uri;
    }
    if (kind == DocumentKind::OpenIdConfiguration && keys &&
        !doc.contains("id_token_signing_alg_values_supported")) {
      doc["id_token_signing_alg_values_supported"] = keys->signing_algs();
    }
    try {
      Warnings w = finalize_document(kind, doc, config.validation);
      std::string suffix = well_known_suffix(kind);
      for (auto& s : w) {
        out.warnings.push_back(s.rfind(suffix, 0) == 0 ? s : suffix + ": " + s);
      }
    } catch (const ConfigError& e) {
      std::string msg = e.what();
      std::string suffix = well_known_suffix(kind);
      throw ConfigError(msg.rfind(suffix, 0) == 0 ? msg : suffix + ": " + msg);
    }
    out.documents.push_back({resource, doc.dump(), well_known_paths(resource, route, config.forms)});
  }
  return out;
}

}  // namespace wellknown
