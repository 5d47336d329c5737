// A JWK Set (RFC 7517 §5): keys in the order configured, unique kids.
#pragma once

#include <string>
#include <vector>

#include "jwk.hpp"

namespace wellknown {

class JwkSet {
 public:
  // Appends `jwk`. Throws ConfigError if its kid is already in the set
  // (RFC 7517 §4.5: kids within a set are meant to be distinct). Returns a
  // warning (or empty) if the same key is already published under another kid.
  std::string add(Jwk jwk);

  const std::vector<Jwk>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }

  // {"keys":[...]}, compact. Every member is checked against the public
  // allowlist, so a private parameter can never reach the output.
  std::string serialize() const;

  // One key as serialize() publishes it, checked the same way.
  static nlohmann::ordered_json published(const Jwk& jwk);

  // The distinct algs of signing keys, in key order (for
  // id_token_signing_alg_values_supported).
  std::vector<std::string> signing_algs() const;

 private:
  std::vector<Jwk> keys_;
};

}  // namespace wellknown
