#include "signed_metadata.hpp"

#include "jws.hpp"

namespace wellknown {

namespace {

constexpr const char* kUsage = "signed_metadata_key FILE [alg=ALG] [kid=KID] [unpublished];";

}  // namespace

MetadataSigner::MetadataSigner(const std::vector<std::string>& values, const FullName& full_name,
                               KeyFileReader* reader)
    : reader_(reader) {
  if (values.empty() || values[0].empty()) {
    throw ConfigError(std::string("signed_metadata_key needs the private key file: ") + kUsage);
  }
  KeyOptions options;
  options.use = "sig";
  for (size_t i = 1; i < values.size(); ++i) {
    const std::string& v = values[i];
    const auto eq = v.find('=');
    const std::string name = v.substr(0, eq);
    if (eq == std::string::npos && v == "unpublished") {
      if (unpublished_) throw ConfigError("signed_metadata_key: unpublished is given twice");
      unpublished_ = true;
    } else if (eq != std::string::npos && (name == "alg" || name == "kid")) {
      // Checked by the key statement's own parser: a value, UTF-8, no
      // control character, each option once.
      KeyOptions one = parse_key_options({v});
      auto& slot = name == "alg" ? options.alg : options.kid;
      if (slot) throw ConfigError("signed_metadata_key: " + name + " is given twice");
      slot = name == "alg" ? one.alg : one.kid;
    } else {
      throw ConfigError("signed_metadata_key: unknown option \"" + v + "\"; expected " + kUsage);
    }
  }
  alg_given_ = options.alg.has_value();
  if (options.kid && !unpublished_) {
    throw ConfigError(
        "signed_metadata_key: kid= is only for an unpublished key; a published key is signed "
        "with the kid its key set publishes, so that clients find it in jwks_uri");
  }
  file_ = full_name(values[0]);
  const std::string where = "signed_metadata_key \"" + file_ + "\": ";
  try {
    PublicKeyMaterial material;
    if (reader_) {
      material = reader_->load_signing(file_);
    } else {
      SigningKeyMaterial m = load_signing_key_file(file_);
      material = std::move(m.material);
      key_ = std::move(m.private_key);
    }
    jwk_ = make_jwk(material, options);
    for (const auto& w : material.warnings) warnings_.push_back(where + w);
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    throw ConfigError(what.find(file_) == std::string::npos ? where + what
                                                            : "signed_metadata_key: " + what);
  }
}

std::string MetadataSigner::sign(const nlohmann::ordered_json& document,
                                 const std::string& identifier, const JwkSet* keys) const {
  const std::string where = "signed_metadata_key \"" + file_ + "\": ";
  if (!key_ && !reader_) {
    throw ConfigError(where + "internal error: the private key was already freed");
  }
  std::string kid = jwk_.kid;
  std::string alg = jwk_.alg;
  if (!unpublished_) {
    if (keys == nullptr) {
      throw ConfigError(where +
                        "no key set is published here (keys NAME;), so clients could not verify "
                        "the signature; add this key to the key set the block names with keys, "
                        "or add unpublished if clients get the key another way");
    }
    // The key as the set publishes it: the same public key (RFC 7638
    // thumbprint), for signatures, with this alg.
    const std::string thumbprint = jwk_.thumbprint();
    const Jwk* published = nullptr;
    const Jwk* other_alg = nullptr;  // published, but with another alg than the statement's
    for (const auto& k : keys->keys()) {
      if (k.thumbprint() != thumbprint || !k.is_signing_key()) continue;
      if (!alg_given_ || k.alg.empty() || k.alg == jwk_.alg) {
        published = &k;
        break;
      }
      if (other_alg == nullptr) other_alg = &k;
    }
    if (published == nullptr && other_alg != nullptr) {
      throw ConfigError(where + "the key set publishes this key with alg=" + other_alg->alg +
                        ", but the statement says alg=" + jwk_.alg +
                        "; clients would refuse the signature: use alg=" + other_alg->alg +
                        " or publish the key with alg=" + jwk_.alg);
    }
    if (published == nullptr) {
      throw ConfigError(where +
                        "the key is not a signing key of the published key set, so clients "
                        "could not verify the signature; add it to the set (key FILE;, from this "
                        "file or its public key), or add unpublished if clients get the key "
                        "another way");
    }
    kid = published->kid;
    if (!published->alg.empty()) alg = published->alg;
  }
  // RFC 8414 §2.1 / RFC 9728 §2.2: "iss" and the metadata values as claims;
  // "signed_metadata" itself "SHOULD NOT appear as a claim".
  nlohmann::ordered_json claims;
  claims["iss"] = identifier;
  for (const auto& m : document.items()) {
    if (m.key() == "iss") {
      throw ConfigError(where + "the document has a member named iss, which would take the place "
                                "of the JWT's iss claim (the identifier); remove it");
    }
    if (m.key() != "signed_metadata") claims[m.key()] = m.value();
  }
  try {
    if (reader_) return reader_->sign(file_, alg, kid, claims, jwk_.thumbprint());
    return sign_jwt(key_.get(), alg, kid, claims);
  } catch (const ConfigError& e) {
    throw ConfigError(where + e.what());
  }
}

}  // namespace wellknown
