#include "key_sets.hpp"

#include <utility>

#include "jwk.hpp"
#include "key_file.hpp"

namespace wellknown {

Warnings key_statement(JwkSet& set, const std::string& name,
                       const std::vector<std::string>& values, const FullName& full_name) {
  if (name != "key") {
    throw ConfigError("unknown directive \"" + name +
                      "\" in the key set; expected: key FILE [kid=...] [alg=...] [use=...] "
                      "[key_ops=...] [x5t] [allow_weak];");
  }
  if (values.empty()) {
    throw ConfigError("\"key\" needs a file name: key FILE [OPTION ...];");
  }
  for (const auto& v : values) {
    if (v.find('$') != std::string::npos) {
      throw ConfigError("key \"" + v +
                        "\": variables are not expanded here; write the file name and options "
                        "themselves (keys are read once, at load)");
    }
  }
  const std::string path = full_name(values[0]);
  const std::string where = "key \"" + path + "\"";
  Warnings warnings;
  try {
    KeyOptions options = parse_key_options({values.begin() + 1, values.end()});
    PublicKeyMaterial material = load_key_file(path);
    Jwk jwk = make_jwk(material, options);
    for (const auto& w : material.warnings) warnings.push_back(where + ": " + w);
    std::string duplicate = set.add(std::move(jwk));
    if (!duplicate.empty()) warnings.push_back(where + ": " + duplicate);
  } catch (const ConfigError& e) {
    // Name the file in every message, whichever check failed.
    std::string what = e.what();
    throw ConfigError(what.find(path) == std::string::npos ? where + ": " + what : what);
  }
  return warnings;
}

KeySet& KeySets::define(const std::string& name, Origin origin) {
  if (name.empty()) {
    throw ConfigError("the key set name is empty");
  }
  auto [it, added] = sets_.emplace(name, nullptr);
  if (!added) {
    throw ConfigError("key set \"" + name + "\" is already defined");
  }
  it->second = std::make_unique<KeySet>();
  it->second->origin = std::move(origin);
  return *it->second;
}

void KeySets::seal(const std::string& name, KeySet& set) {
  if (set.jwks.empty()) {
    throw ConfigError("key set \"" + name + "\" has no keys; add: key FILE;");
  }
  std::string body = set.jwks.serialize();
  auto same = by_body_.find(body);
  if (same != by_body_.end()) {
    set.response = same->second;
    return;
  }
  Response& r = responses_.emplace_back(make_response(std::move(body)));
  r.jwk_set = true;
  by_body_.emplace(std::string_view(r.body), &r);
  set.response = &r;
}

const KeySet& KeySets::get(const std::string& name) const {
  auto it = sets_.find(name);
  if (it == sets_.end() || it->second == nullptr) {
    throw ConfigError("no key set named \"" + name + "\"; define it with wellknown_keys " + name +
                      " { key FILE; } in the http block");
  }
  it->second->used = true;
  return *it->second;
}

std::vector<LocatedWarning> KeySets::unused() const {
  std::vector<LocatedWarning> out;
  for (const auto& [name, set] : sets_) {
    if (set && !set->used) {
      out.push_back({"wellknown_keys \"" + name +
                         "\": no issuer, resource or wellknown_jwks location uses this key set",
                     set->origin});
    }
  }
  return out;
}

}  // namespace wellknown
