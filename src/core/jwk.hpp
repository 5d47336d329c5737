// JSON Web Keys (RFC 7517) built from public keys, with the parameter
// encodings of RFC 7518 §6 and RFC 8037, and RFC 7638 thumbprints.
#pragma once

#include <openssl/evp.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "error.hpp"
#include "key_file.hpp"
#include "timestamp.hpp"

namespace wellknown {

// What the operator wrote after the file name on a `key` line.
struct KeyOptions {
  std::optional<std::string> kid;
  std::optional<std::string> alg;
  std::optional<std::string> use;
  std::vector<std::string> key_ops;  // empty: not published
  bool x5t = false;                  // also publish the SHA-1 x5t
  bool allow_weak = false;           // accept RSA keys of 1024..2047 bits
  // The publication window (README "Key rotation"): published from
  // `publish` on, no longer from `retire` on; either end may be open.
  std::optional<Seconds> publish;
  std::optional<Seconds> retire;
  // window=certificate: the window is the leaf certificate's validity
  // (notBefore .. notAfter), opened `lead` earlier and closed `grace` later.
  bool certificate_window = false;
  std::optional<Seconds> lead;
  std::optional<Seconds> grace;
};

// Parses option tokens such as "kid=abc", "alg=PS256", "use=sig",
// "key_ops=verify", "x5t", "allow_weak", "publish=2026-12-01T00:00:00Z",
// "retire=...", "window=certificate", "lead=14d", "grace=2d". Throws
// ConfigError naming the token.
KeyOptions parse_key_options(const std::vector<std::string>& tokens);

// The key types this module publishes.
enum class KeyType { Rsa, RsaPss, P256, P384, P521, Ed25519, Ed448, X25519, X448 };

// Identifies the type of `key`, or throws ConfigError for types and curves
// JOSE has no registered algorithm for (DSA, DH, secp256k1, brainpool ...).
KeyType classify_key(const EVP_PKEY* key);

// The minimum RSA modulus size, RFC 7518 §3.3 ("A key of size 2048 bits or
// larger MUST be used"), and the floor below which even allow_weak refuses.
constexpr int kMinRsaBits = 2048;
constexpr int kMinWeakRsaBits = 1024;

// One public JWK. Only the members below exist, so no private parameter
// (d, p, q, dp, dq, qi, oth, k) can be published whatever the input.
struct Jwk {
  std::string kty;  // "RSA", "EC" or "OKP"
  std::string crv;  // EC and OKP
  std::string n, e; // RSA, base64url
  std::string x, y; // EC (x, y) and OKP (x), base64url
  std::string kid;
  std::string alg;  // may be empty: not published
  std::string use;  // may be empty: not published
  std::vector<std::string> key_ops;
  std::vector<std::string> x5c;  // standard base64 DER, leaf first
  std::string x5t;               // base64url SHA-1 of the leaf, if asked
  std::string x5t_s256;          // base64url SHA-256 of the leaf

  // RFC 7638 thumbprint (SHA-256) of the required members.
  std::string thumbprint() const;

  // The JWK object, members in a fixed order.
  nlohmann::ordered_json to_json() const;

  // True if the key can verify signatures (for *_signing_alg_values_supported).
  bool is_signing_key() const;
};

// The public members a JWK in our output may have (RFC 7517 §4, RFC 7518 §6.2.1
// and §6.3.1, RFC 8037 §2). Serialisation checks every member against it.
bool is_public_jwk_member(const std::string& name);

// Builds the JWK for `material` with the operator's options: checks key size,
// alg and use against the key type, fills kid with the RFC 7638 thumbprint
// unless given, and adds x5c / x5t#S256 (and x5t if asked) for certificates.
Jwk make_jwk(const PublicKeyMaterial& material, const KeyOptions& options);

// RFC 7638 §3 thumbprint input: the required members in lexicographic order,
// no whitespace. Exposed for tests.
std::string thumbprint_input(const Jwk& jwk);

}  // namespace wellknown
