#include "jwk_set.hpp"

#include <algorithm>

namespace wellknown {

std::string JwkSet::add(Jwk jwk) {
  std::string warning;
  // Same thumbprint input (RFC 7638 §3.2: the required members) means the
  // same key; compared directly rather than hashed for every pair.
  auto same_key = [&jwk](const Jwk& k) {
    return k.kty == jwk.kty && k.crv == jwk.crv && k.n == jwk.n && k.e == jwk.e &&
           k.x == jwk.x && k.y == jwk.y;
  };
  for (const auto& k : keys_) {
    if (k.kid == jwk.kid) {
      throw ConfigError("duplicate kid \"" + jwk.kid +
                        "\": another key in this set already has it; clients pick keys by kid "
                        "(RFC 7517 §4.5)");
    }
    if (same_key(k)) {
      warning = "the same key is already in this set as kid \"" + k.kid + "\"";
    }
  }
  keys_.push_back(std::move(jwk));
  return warning;
}

nlohmann::ordered_json JwkSet::published(const Jwk& jwk) {
  nlohmann::ordered_json j = jwk.to_json();
  for (const auto& member : j.items()) {
    if (!is_public_jwk_member(member.key())) {
      throw ConfigError("internal error: refusing to publish JWK member \"" + member.key() + "\"");
    }
  }
  return j;
}

std::string JwkSet::serialize() const {
  nlohmann::ordered_json keys = nlohmann::ordered_json::array();
  for (const auto& k : keys_) keys.push_back(published(k));
  nlohmann::ordered_json set;
  set["keys"] = std::move(keys);
  return set.dump();
}

std::vector<std::string> JwkSet::signing_algs() const {
  std::vector<std::string> algs;
  for (const auto& k : keys_) {
    if (k.is_signing_key() && !k.alg.empty() &&
        std::find(algs.begin(), algs.end(), k.alg) == algs.end()) {
      algs.push_back(k.alg);
    }
  }
  return algs;
}

}  // namespace wellknown
