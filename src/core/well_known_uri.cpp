#include "well_known_uri.hpp"

#include "error.hpp"

namespace wellknown {

std::string identifier_path(const std::string& url_path) {
  std::string p = url_path;
  while (!p.empty() && p.back() == '/') {
    p.pop_back();
  }
  return p;
}

std::vector<std::string> well_known_paths(Document document, const std::string& path,
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
  switch (document) {
    case Document::OpenIdConfiguration:
      if (forms.oidc_append) add(path + oidc);
      if (forms.oidc_insert) add(oidc + path);
      break;
    case Document::AuthorizationServer:
      if (forms.oauth_insert) add(oauth + path);
      if (forms.oauth_append) add(path + oauth);
      break;
    case Document::ProtectedResource:
      add("/.well-known/oauth-protected-resource" + path);
      break;
    case Document::JwkSet:
      add(path.empty() ? "/.well-known/jwks.json" : path + "/jwks.json");
      break;
  }
  return out;
}

bool is_discovery_path(std::string_view path) noexcept {
  // Every request of a server with issuers that the module does not answer
  // passes here: find each "/.well-known/" once, then compare what follows.
  constexpr std::string_view prefix = "/.well-known/";
  for (auto at = path.find(prefix); at != std::string_view::npos;
       at = path.find(prefix, at + 1)) {
    std::string_view rest = path.substr(at + prefix.size());
    for (std::string_view doc : {"openid-configuration", "oauth-authorization-server",
                                 "oauth-protected-resource", "jwks.json"}) {
      // The document name must end the path or be followed by "/" (insert
      // form); an earlier occurrence that does neither does not hide a later one.
      if (rest.substr(0, doc.size()) == doc &&
          (rest.size() == doc.size() || rest[doc.size()] == '/')) {
        return true;
      }
    }
  }
  return false;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string route_path(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      int hi = i + 2 < path.size() ? hex_value(path[i + 1]) : -1;
      int lo = hi < 0 ? -1 : hex_value(path[i + 2]);
      if (lo < 0) {
        throw ConfigError("path \"" + path + "\" has a \"%\" not followed by two hex digits (RFC 3986 §2.1)");
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
      if (c == '/') {
        // nginx decodes %2F to "/" before matching, so such a segment could
        // never be told apart from two segments.
        throw ConfigError("path \"" + path + "\" encodes \"/\" as %2F, which nginx cannot route");
      }
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw ConfigError("path \"" + path + "\" holds a control character");
    }
    out.push_back(c);
  }
  // nginx resolves dot segments and merges slashes before matching a request
  // (RFC 3986 §5.2.4); a path that holds them would never be matched.
  std::string_view v(out);
  for (size_t start = 1; start <= v.size(); ) {
    size_t end = v.find('/', start);
    if (end == std::string_view::npos) end = v.size();
    std::string_view seg = v.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") {
      throw ConfigError("path \"" + path +
                        "\" has an empty, \".\" or \"..\" segment, which a request path never keeps");
    }
    start = end + 1;
  }
  return out;
}

}  // namespace wellknown
