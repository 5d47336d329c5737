// The named key sets of one configuration (`wellknown_keys NAME { ... }`),
// each with its JWK Set response. Sets that serialise to the same bytes
// share one response.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "file.hpp"
#include "jwk_set.hpp"
#include "response.hpp"

namespace wellknown {

struct KeySet {
  JwkSet jwks;
  const Response* response = nullptr;  // set by KeySets::seal
  Origin origin;                       // the wellknown_keys directive
  mutable bool used = false;           // named by an issuer, resource or location
};

// One statement of a `wellknown_keys` block: `key FILE [OPTION ...];`. Reads
// the file, builds its public JWK with the options (parse_key_options) and
// adds it to `set`. Every error names the file; so does every warning
// returned.
Warnings key_statement(JwkSet& set, const std::string& name,
                       const std::vector<std::string>& values, const FullName& full_name);

class KeySets {
 public:
  // Starts the set `name`, written at `origin`. Throws ConfigError for an
  // empty or repeated name.
  KeySet& define(const std::string& name, Origin origin = {});

  // Completes `set` once its block is read: serialises it, or shares the
  // response of a set with the same bytes. Throws ConfigError for a set with
  // no keys.
  void seal(const std::string& name, KeySet& set);

  // The set `name`, which is now used; throws ConfigError saying how to
  // define it.
  const KeySet& get(const std::string& name) const;

  // A warning for each set nothing used (a typo in a keys statement, or a
  // set left behind by a rotation), once configuration is complete.
  std::vector<LocatedWarning> unused() const;

 private:
  std::map<std::string, std::unique_ptr<KeySet>> sets_;
  std::deque<Response> responses_;  // stable addresses
  std::unordered_map<std::string_view, const Response*> by_body_;
};

}  // namespace wellknown
