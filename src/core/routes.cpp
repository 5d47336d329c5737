#include "routes.hpp"

namespace wellknown {

std::string identifier_path(const std::string& url_path) {
  std::string p = url_path;
  while (!p.empty() && p.back() == '/') {
    p.pop_back();
  }
  return p;
}

std::vector<std::string> well_known_paths(Resource resource, const std::string& path,
                                          const UrlForms& forms) {
  std::vector<std::string> out;
  auto add = [&](std::string p) {
    for (const auto& q : out) {
      if (q == p) return;  // root identifiers: append and insert coincide
    }
    out.push_back(std::move(p));
  };
  const std::string oidc = "/.well-known/openid-configuration";
  const std::string oauth = "/.well-known/oauth-authorization-server";
  switch (resource) {
    case Resource::OpenIdConfiguration:
      if (forms.oidc_append) add(path + oidc);
      if (forms.oidc_insert) add(oidc + path);
      break;
    case Resource::AuthorizationServer:
      if (forms.oauth_insert) add(oauth + path);
      if (forms.oauth_append) add(path + oauth);
      break;
    case Resource::ProtectedResource:
      add("/.well-known/oauth-protected-resource" + path);
      break;
    case Resource::Jwks:
      add(path.empty() ? "/.well-known/jwks.json" : path + "/jwks.json");
      break;
  }
  return out;
}

bool is_discovery_path(std::string_view path) {
  for (std::string_view doc : {"/.well-known/openid-configuration",
                               "/.well-known/oauth-authorization-server",
                               "/.well-known/oauth-protected-resource", "/.well-known/jwks.json"}) {
    auto at = path.find(doc);
    if (at == std::string_view::npos) continue;
    // The document name must end the path or be followed by "/" (insert form).
    auto end = at + doc.size();
    if (end == path.size() || path[end] == '/') return true;
  }
  return false;
}

}  // namespace wellknown
