// Where each document is served, and the table that maps a request path to a
// precomputed response in one hash lookup.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "error.hpp"
#include "metadata.hpp"

namespace wellknown {

// What a path serves.
enum class Resource { OpenIdConfiguration, AuthorizationServer, ProtectedResource, Jwks };

// The URL forms clients try, each of which the operator can turn off.
struct UrlForms {
  bool oidc_append = true;  // {path}/.well-known/openid-configuration (OIDC Discovery §4.1)
  bool oidc_insert = true;  // /.well-known/openid-configuration{path} (MCP clients, VS Code)
  bool oauth_insert = true; // /.well-known/oauth-authorization-server{path} (RFC 8414 §3.1)
  bool oauth_append = true; // {path}/.well-known/oauth-authorization-server (seed 002)
};

// The path component of an issuer or resource identifier as used to build
// well-known URLs: "" for a root identifier, otherwise without its trailing
// "/" (RFC 8414 §3.1, RFC 9728 §3.1: "any terminating / ... is removed").
std::string identifier_path(const std::string& url_path);

// The form of an identifier path (from identifier_path) that nginx's request
// URI takes: percent-decoded (RFC 3986 §2.1). Throws ConfigError for a path no
// request could reach: an encoded "/", a control character, a malformed
// escape, or an empty, "." or ".." segment (nginx normalises those away).
std::string route_path(const std::string& path);

// The request paths at which `resource` is served for an identifier whose
// path component is `path` (from identifier_path). JWKS: {path}/jwks.json for
// a path issuer (seed 002), /.well-known/jwks.json for a root one. Protected
// resources: /.well-known/oauth-protected-resource{path} (RFC 9728 §3.1).
std::vector<std::string> well_known_paths(Resource resource, const std::string& path,
                                          const UrlForms& forms);

// True if `path` is one this module would answer for some configuration:
// a request for it that matches no entry gets the module's JSON 404 instead
// of falling through to the server's other locations.
bool is_discovery_path(std::string_view path);

// path -> T, built at config load, looked up per request without allocating.
template <typename T>
class RouteTable {
 public:
  // Adds `path`. The same path with the same value is accepted once more
  // (a shared key set); with another value it is a ConfigError.
  void add(const std::string& path, const T& value, const std::string& owner) {
    auto it = table_.find(path);
    if (it != table_.end()) {
      if (it->second.value == value) return;
      throw ConfigError("path \"" + path + "\" is already served for " + owners_[it->second.owner]);
    }
    // Paths come in runs per owner: store each owner's name once.
    if (owners_.empty() || owners_.back() != owner) owners_.push_back(owner);
    const std::string& stored = paths_.emplace_back(path);
    table_.emplace(std::string_view(stored), Entry{value, owners_.size() - 1});
  }

  const T* find(std::string_view path) const {
    auto it = table_.find(path);
    return it == table_.end() ? nullptr : &it->second.value;
  }

  // Who `path` is served for, as given to add(); null if it is not served.
  const std::string* owner(std::string_view path) const {
    auto it = table_.find(path);
    return it == table_.end() ? nullptr : &owners_[it->second.owner];
  }

  size_t size() const { return table_.size(); }

 private:
  struct Entry {
    T value;
    size_t owner;  // index into owners_
  };
  std::deque<std::string> paths_;  // stable storage for the views in table_
  std::deque<std::string> owners_;
  std::unordered_map<std::string_view, Entry> table_;
};

}  // namespace wellknown
