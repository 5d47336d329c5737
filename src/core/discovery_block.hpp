// The statements of a `wellknown_issuer URL { ... }` or
// `wellknown_resource URL { ... }` block, read one at a time into a
// DiscoveryConfig.
#pragma once

#include <string>
#include <vector>

#include "discovery.hpp"
#include "file.hpp"

namespace wellknown {

class DiscoveryBlock {
 public:
  DiscoveryBlock(Role role, std::string identifier);

  // One statement: `name values...;`. Settings of the block (keys,
  // jwks_path, documents, url_forms, allow_http, relax_required,
  // metadata_file) may be given once; a registered metadata member by name,
  // or `extra NAME JSON` for any other member, once per member. Throws
  // ConfigError naming the statement and the rule.
  void statement(const std::string& name, const std::vector<std::string>& values,
                 const FullName& full_name);

  // Where signed_metadata_key reads its file and signs (MetadataSigner):
  // null, the default, in this process.
  void use_reader(KeyFileReader* reader) { reader_ = reader; }

  // "wellknown_issuer" or "wellknown_resource": what the operator wrote.
  const char* directive() const;
  const DiscoveryConfig& config() const { return config_; }
  const std::string& key_set() const { return key_set_; }  // empty: none

  // Everything the block's documents are built from besides its key set:
  // its role, identifier and statements (each value length-prefixed) and
  // the members of its metadata file. Two blocks with the same input() and
  // the same key set content build the same documents.
  const std::string& input() const { return input_; }
  // False when building has an effect besides the documents: a
  // signed_metadata_key block signs with a private key at every load.
  bool reusable() const { return !config_.signer; }

 private:
  DiscoveryConfig config_;
  std::string key_set_;
  KeyFileReader* reader_ = nullptr;
  std::vector<std::string> given_;  // settings seen, to refuse repeats
  std::string input_;
};

}  // namespace wellknown
