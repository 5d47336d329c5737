// Signed metadata (RFC 8414 §2.1, RFC 9728 §2.2): the document's metadata
// values as the claims of a JWT, signed at load with a private key the
// operator names (`signed_metadata_key FILE [alg=ALG] [kid=KID]
// [unpublished];` in wellknown_issuer and wellknown_resource), and served
// in the document's "signed_metadata" member.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "file.hpp"
#include "jwk.hpp"
#include "jwk_set.hpp"
#include "key_file.hpp"
#include "key_file_reader.hpp"

namespace wellknown {

class MetadataSigner {
 public:
  // Reads the statement's values: the file (through `full_name`) and the
  // options alg=, kid= (only with unpublished) and unpublished. Loads the
  // private key and checks that it can sign with the alg (make_jwk's rules:
  // the alg fits the key type, RSA keys of at least 2048 bits). Throws
  // ConfigError naming the file and the rule.
  //
  // With a `reader`, the file is read and every JWT signed in the reader's
  // child process: this process never holds the private key. Without one
  // (tools and tests), the key is held here until forget_private_key().
  MetadataSigner(const std::vector<std::string>& values, const FullName& full_name,
                 KeyFileReader* reader = nullptr);

  // The JWT of `document`'s members, with "iss" = `identifier` first (RFC
  // 8414 §2.1 and RFC 9728 §2.2: "MUST contain an iss (issuer) claim
  // denoting the party attesting to the claims"; the party is the issuer
  // or resource itself), then the members in the document's order. With
  // the key published, the JWS header carries the kid (and the alg) that
  // `keys` publishes it with, so that clients find the key in jwks_uri;
  // the key must be in `keys` unless the statement said unpublished.
  // Throws ConfigError naming the file and what to do.
  std::string sign(const nlohmann::ordered_json& document, const std::string& identifier,
                   const JwkSet* keys) const;

  // Frees the private key (OpenSSL clears its private parts) or lets go of
  // the reader: once every document is signed. sign() then throws.
  void forget_private_key() {
    key_.reset();
    reader_ = nullptr;
  }

  const std::string& file() const { return file_; }
  const Warnings& warnings() const { return warnings_; }  // about the key file

 private:
  PrivateKeyPtr key_;
  KeyFileReader* reader_ = nullptr;
  Jwk jwk_;  // the key's public JWK with the statement's alg and kid
  bool alg_given_ = false;
  bool unpublished_ = false;
  std::string file_;
  Warnings warnings_;
};

}  // namespace wellknown
