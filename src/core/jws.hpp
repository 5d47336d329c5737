// JSON Web Signature (RFC 7515) in the compact serialisation, signed once at
// config load with a private key that is freed right after.
#pragma once

#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <string>

#include "error.hpp"

namespace wellknown {

// The JWT (RFC 7519) `claims` signed with `key` under the JWS algorithm
// `alg` (RFC 7518 §3.1: RS256..512, PS256..512, ES256..512; RFC 8037:
// EdDSA; RFC 9864: Ed25519, Ed448), protected header {"alg","kid","typ":"JWT"},
// as BASE64URL(header) "." BASE64URL(claims) "." BASE64URL(signature)
// (RFC 7515 §7.1). ECDSA signatures are R || S at the curve's width (RFC
// 7518 §3.4), not DER. The caller has checked that `alg` fits the key
// (make_jwk); a mismatch OpenSSL refuses is a ConfigError.
//
// RS* and EdDSA signatures are deterministic; PS* (a random salt) and ES*
// (a random nonce; RFC 6979 nonces are asked for, and given by OpenSSL 3.2
// and later) differ at every signing.
std::string sign_jwt(EVP_PKEY* key, const std::string& alg, const std::string& kid,
                     const nlohmann::ordered_json& claims);

}  // namespace wellknown
