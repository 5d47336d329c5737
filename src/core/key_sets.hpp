// The named key sets of one configuration (`wellknown_keys NAME { ... }`),
// each with its JWK Set over time: a key may carry a publication window,
// and every version the windows produce is precomputed at load. Versions
// that serialise to the same bytes share one response.
#pragma once

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cache_control.hpp"
#include "file.hpp"
#include "jwk.hpp"
#include "jwk_set.hpp"
#include "key_file.hpp"
#include "reload_cache.hpp"
#include "response.hpp"
#include "timeline.hpp"
#include "timestamp.hpp"

namespace wellknown {

// When a key is published: from `from` (inclusive) until `until` (not
// inclusive); open ends publish since always and for ever.
struct Window {
  Seconds from = kSinceAlways;
  Seconds until = kForever;
};

// A `key` statement read but not yet done (declare_key): its file is being
// read meanwhile.
struct PendingKey {
  std::string path;
  KeyOptions options;
  Origin origin;
  std::string input;  // the statement's options as written, for KeySetCache
};

// A key of a set taken over from an earlier load: what its JWK is made of,
// should a document need the set's JWKs (KeySets::jwks).
struct TakenKey {
  std::string path;
  KeyOptions options;
  PublicKeyMaterial material;
};

struct KeySet {
  std::vector<PendingKey> pending;  // declared, until KeySets::resolve
  JwkSet configured;          // every `key` statement, in order
  std::vector<Window> windows;  // parallel to configured.keys()
  JwkSet jwks;        // set by seal: the keys published at load time or later
  Timeline timeline;  // set by seal: what the set's JWK Set is, from load time on
  Origin origin;           // the wellknown_keys directive
  // Taken over from an earlier load (KeySetCache): what holds the responses
  // `timeline` points into, and the keys, whose JWKs `jwks` gets only if a
  // document is built with them.
  std::shared_ptr<const BuiltKeySet> built;
  std::vector<TakenKey> taken;
  mutable bool used = false;  // named by an issuer, resource or location
  // The longest freshness lifetime (max-age) of what serves the set, for
  // the rotation overlap check; kForever if one gives none.
  mutable Seconds cache_lifetime = 0;
  // A key has a window with an end: the set has versions over time.
  bool scheduled() const {
    return std::any_of(windows.begin(), windows.end(), [](const Window& w) {
      return w.from != kSinceAlways || w.until != kForever;
    });
  }
  void served_with(const CacheControl& cc) const {
    cache_lifetime = std::max(cache_lifetime, cc.lifetime());
  }
};

// One statement of a `wellknown_keys` block: `key FILE [OPTION ...];`. Reads
// the file, builds its public JWK with the options (parse_key_options) and
// its publication window, and adds both to `set`. `now` is the load time,
// for warnings about windows already over. Every error names the file; so
// does every warning returned.
// With a `cache`, an unchanged key file read by an earlier load is taken
// over from it.
Warnings key_statement(KeySet& set, const std::string& name,
                       const std::vector<std::string>& values, const FullName& full_name,
                       Seconds now, KeyFileCache* cache = nullptr);

// `key_statement` in two steps, so that key files are read while nginx goes
// on reading its configuration (with a KeyFileCache reading in a child, all
// of a load's files in a few exchanges instead of one each). declare_key
// makes the checks that need no file (ConfigError as key_statement, for the
// statement's own line), asks `cache` for the file, and leaves the key in
// `set.pending` for KeySets::resolve.
void declare_key(KeySet& set, const std::string& name, const std::vector<std::string>& values,
                 const FullName& full_name, Origin origin, KeyFileCache* cache);

// Throws ConfigError ("key set NAME has no keys") for a `wellknown_keys`
// block without a key statement, declared or done.
void check_has_keys(const std::string& name, const KeySet& set);

// The window `options` give a key read from `material`. Throws ConfigError
// for window=certificate without a certificate.
Window key_window(const KeyOptions& options, const PublicKeyMaterial& material);

// What nginx -t says about the key sets with a schedule: at notice level,
// each version from load time on; warnings for what a client could trip on.
struct ScheduleReport {
  std::vector<LocatedWarning> notices;
  std::vector<LocatedWarning> warnings;
};

class KeySets {
 public:
  // Starts the set `name`, written at `origin`. Throws ConfigError for an
  // empty or repeated name.
  KeySet& define(const std::string& name, Origin origin = {});

  // Completes `set` once its block is read: computes every version its
  // schedule produces from `now` on (a set without windows has one), each
  // serialised once, sharing the response of any version with the same
  // bytes. Throws ConfigError for a set with no keys.
  void seal(const std::string& name, KeySet& set, Seconds now);

  // Completes every set defined since the last call, in the order defined:
  // each pending key (declare_key) as key_statement would, then seal. The
  // warnings are located at their key statements; a failure is a
  // LocatedError at its key statement (or at the wellknown_keys directive),
  // worded as nginx words an error at that line ("wellknown_keys: ...").
  std::vector<LocatedWarning> resolve(Seconds now, KeyFileCache* cache = nullptr);

  // The set `name`, which is now used; throws ConfigError saying how to
  // define it.
  const KeySet& get(const std::string& name) const;

  // A warning for each set nothing used (a typo in a keys statement, or a
  // set left behind by a rotation), once configuration is complete.
  std::vector<LocatedWarning> unused() const;

  // The schedule of every set that has one, once everything that serves the
  // sets is known (for their Cache-Control lifetimes). Warns when a set is
  // empty for a while, and when a signing key is published less than a
  // cache lifetime before the one before it is retired: a client holding
  // the older set could meet a token signed with the newer key.
  ScheduleReport schedules(Seconds now) const;

  // Once the configuration is complete (after unused() and schedules()):
  // frees what only building needed, every set's JWKs and windows (about
  // 1.6 KB for a set of two keys), so that the master and every worker
  // keep only the responses. get() still finds the sets.
  void release_build_state();

  // The JWKs of set `name` published from load time on (KeySet::jwks), for
  // the documents built with them; a set taken over from an earlier load
  // makes them now. Throws ConfigError as get().
  const JwkSet& jwks(const std::string& name);

  // Responses are taken from `cache` (shared with other generations); with
  // `sets`, a set without a schedule whose statements and files are
  // unchanged since an earlier generation is taken over from it.
  void use_cache(ResponseCache* cache, KeySetCache* sets = nullptr) {
    cache_ = cache;
    set_cache_ = sets;
  }

 private:
  std::map<std::string, std::unique_ptr<KeySet>> sets_;
  std::vector<std::pair<std::string, KeySet*>> unresolved_;  // in definition order
  const std::shared_ptr<const Response>& response_for(std::string body);
  std::string digest_of(const KeySet& set, KeyFileCache* files) const;
  static void published_from(KeySet& set, Seconds now);

  ResponseCache* cache_ = nullptr;
  KeySetCache* set_cache_ = nullptr;
  Seconds now_ = 0;  // of the last resolve
  std::deque<std::shared_ptr<const Response>> responses_;
  std::unordered_map<std::string_view, const std::shared_ptr<const Response>*> by_body_;
};

}  // namespace wellknown
