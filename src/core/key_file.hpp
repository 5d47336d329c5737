// Reading operator key files: PEM public keys, private keys and X.509
// certificates, reduced to a public key and an optional certificate chain.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "file.hpp"
#include "timestamp.hpp"

namespace wellknown {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PublicKeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
// The same owner, for the one key that is kept private: a signing key,
// freed (OpenSSL clears its private parts) as soon as it has signed.
using PrivateKeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// Key files larger than this are refused: no PEM key or short chain comes
// near it, and a cap keeps a wrong path (a log file, /dev/zero) from being
// read into the master's memory.
constexpr size_t kMaxKeyFileSize = 1024 * 1024;

// What a key file contributes to a JWK: the public key only (any private key
// in the file has been reduced to its public half and freed), and, if the
// file held certificates, their DER encodings, leaf first.
struct PublicKeyMaterial {
  // The key object; null for an EC key read from a private key's encoding,
  // which is `ec_curve` and `ec_point` below instead (key_object() makes
  // one when needed): OpenSSL 3.0 sets up the curve's group for every EC
  // key object, which was most of the cost of loading a P-256 key.
  PublicKeyPtr key;
  std::vector<std::string> certificate_chain_der;
  bool had_private_key = false;  // the input held a private key (now freed)
  // With a null `key`: the JOSE curve name ("P-256", "P-384", "P-521") and
  // the public point, uncompressed (SEC 1 §2.3.3: 0x04 || X || Y), checked
  // to be on the curve.
  std::string ec_curve;
  std::string ec_point;
  // The leaf certificate's validity (RFC 5280 §4.1.2.5); open without one.
  Seconds not_before = kSinceAlways;
  Seconds not_after = kForever;
  Warnings warnings;
};

// The finding for a leaf certificate past its notAfter.
extern const char* const kExpiredLeafWarning;

// Parses PEM text. `source` names the input in error messages.
// Accepted blocks: PUBLIC KEY (SubjectPublicKeyInfo), RSA PUBLIC KEY (PKCS#1),
// PRIVATE KEY (PKCS#8), RSA PRIVATE KEY (PKCS#1), EC PRIVATE KEY (SEC1),
// CERTIFICATE (one or a chain, leaf first), and EC PARAMETERS (ignored).
PublicKeyMaterial parse_key_pem(std::string_view pem);

// Reads `path` (at most kMaxKeyFileSize bytes) and parses it as above. The
// bytes read are wiped from memory before returning. `identity`, if given,
// receives the identity of the file read.
PublicKeyMaterial load_key_file(const std::string& path, FileIdentity* identity = nullptr);

// Public material as it crosses from the process that read a key file to
// the one that publishes it, with the identity of the file read: a record of
// integers and byte strings (both ends are this program on one machine):
// the EC curve and uncompressed point (checked on the curve here), or the
// SubjectPublicKeyInfo DER of the key; the certificate chain's DER; the
// validity, findings and whether the file held a private key. Nothing
// private is in it.
std::string encode_public_material(const PublicKeyMaterial& material,
                                   const FileIdentity& identity);

// The reverse: the record's shape is checked (every length; an EC key is a
// curve and a point alone, whose form and width make_jwk checks; the
// SubjectPublicKeyInfo decodes to exactly one public key). Throws
// ConfigError for anything else.
PublicKeyMaterial decode_public_material(std::string_view encoded, FileIdentity* identity);

// A copy of `material` (the key object is shared: it is public and never
// changed).
PublicKeyMaterial copy_of(const PublicKeyMaterial& material);

// The key object of `material`: its `key`, or one made from the EC curve
// and point. Throws ConfigError if that fails.
PublicKeyPtr key_object(const PublicKeyMaterial& material);

// A public EC key object from a JOSE curve name and an encoded point.
PublicKeyPtr ec_key_object(const std::string& curve, const std::string& point);

// A key file read to sign with (signed_metadata_key): its public material,
// as load_key_file gives it, and the private key itself.
struct SigningKeyMaterial {
  PublicKeyMaterial material;
  PrivateKeyPtr private_key;
};

// Reads `path` as load_key_file does and keeps the private key. Throws
// ConfigError, saying what to give instead, if the file holds none (a public
// key or a certificate alone cannot sign).
SigningKeyMaterial load_signing_key_file(const std::string& path);

// Wraps a raw public key (RFC 8037 OKP keys) as an EVP_PKEY; for tests.
PublicKeyPtr public_key_from_raw(const char* type_name, std::string_view raw);

}  // namespace wellknown
