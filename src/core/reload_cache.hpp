// What a configuration load may take over from the loads before it in the
// same process (the nginx master, which loads every generation), so that a
// reload costs what changed:
//   - KeyFileCache: each key file's public material, by path and file
//     identity. Only public material is kept: the public key (an EC curve
//     and point, or a public key object), certificates, and the findings.
//   - ResponseCache: responses by body, shared by every generation that
//     serves the same bytes; a response is made (ETag, gzip) once.
//   - KeySetCache: what each key set without a schedule built (its JWK
//     Set's responses), by a digest of its statements and its files'
//     identities, so that an unchanged set is not built again.
//   - BlockCache: what each wellknown_issuer / wellknown_resource block
//     built, by a digest of everything it was built from, so that an
//     unchanged block is not built again.
#pragma once

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "file.hpp"
#include "key_file.hpp"
#include "key_file_reader.hpp"
#include "response.hpp"
#include "timeline.hpp"
#include "timestamp.hpp"

namespace wellknown {

class KeyFileCache {
 public:
  // `in_child`: files are read by a KeyFileReader (a child process), so
  // this process never holds a private key; else read here.
  explicit KeyFileCache(bool in_child = false) : in_child_(in_child) {}

  // A file changed this recently (seconds) before a load is read at every
  // load until it is older: file times are kept at the granularity of the
  // kernel's clock tick (or coarser, on some file systems), so a second
  // write of the same size within it could leave the identity unchanged.
  static constexpr Seconds kSettle = 2;

  // Starts a configuration load at `now` (the wall clock).
  void begin_load(Seconds now);

  // The key file at `path`: taken over from an earlier load if the file's
  // identity (file_identity) is the same as when it was read and it had
  // settled by then; otherwise read (load_key_file) and kept.
  PublicKeyMaterial load(const std::string& path);

  // Asks the reader for `path` without waiting, unless an earlier load's
  // material will be taken over; load() then takes the answer.
  void prefetch(const std::string& path);

  // After a load that succeeded: forgets the files it did not name, and
  // ends the reader.
  void end_load();

  // Ends the reader (at the end of a load, whether it succeeded or not).
  void stop_reader() noexcept {
    reader_.stop();
    prefetched_.clear();
  }
  const KeyFileReader& reader() const { return reader_; }
  // The reader when files are read in a child (signed_metadata_key signs
  // there too), else null.
  KeyFileReader* child_reader() { return in_child_ ? &reader_ : nullptr; }

  // The identity `path` had when its material was read, if this load
  // named it and its material is kept for later loads; else null.
  const FileIdentity* kept(const std::string& path) const {
    auto it = entries_.find(path);
    return it != entries_.end() && it->second.load == load_ ? &it->second.identity : nullptr;
  }

  // This load's files: read, and taken over unchanged.
  size_t read() const { return read_; }
  size_t reused() const { return reused_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    FileIdentity identity;
    std::shared_ptr<const PublicKeyMaterial> material;
    unsigned long load = 0;  // the last load that named the file
    unsigned long confirmed = 0;  // the last load whose prefetch found it unchanged
  };
  std::unordered_map<std::string, Entry> entries_;
  bool in_child_;
  KeyFileReader reader_;
  std::unordered_map<std::string, unsigned long> prefetched_;  // path: request id
  unsigned long load_ = 0;
  Seconds now_ = 0;
  size_t read_ = 0, reused_ = 0;
};

class ResponseCache {
 public:
  // The response for `body`: the one an earlier or this load made for the
  // same bytes (and the same kind: a JWK Set or not), while a configuration
  // still holds it; else a new one.
  std::shared_ptr<const Response> get(std::string body, bool jwk_set = false);

  // Forgets the responses no configuration holds any more.
  void prune();
  size_t size() const { return by_digest_.size(); }

 private:
  std::unordered_map<std::string, std::weak_ptr<const Response>> by_digest_;  // kind and ETag
};

// What one wellknown_issuer or wellknown_resource block builds: its
// documents (each response with the one version it serves and its paths),
// the paths of its key set, and what the server checks and reports. It
// depends only on the block's statements (and metadata file) and on its key
// set's content, so a later load with the same ones takes it over whole.
struct BuiltBlock {
  struct Document {
    std::shared_ptr<const Response> response;
    Timeline timeline;  // one version, no ends: the document's
    std::vector<std::string> paths;
  };
  std::vector<Document> documents;
  std::vector<std::string> jwks_paths;
  // Null for none; blocks of one load with the same warnings (thousands of
  // issuers alike) share one list.
  std::shared_ptr<const std::vector<std::string>> warnings;
  std::optional<std::string> given_jwks_route;
  std::optional<std::string> resource_route;
  std::string resource_metadata_url;
};

// What a key set without a schedule builds from its keys: the responses
// of its JWK Set and its timeline, and the warnings of each key beyond
// those of its file (the same key twice in the set). It depends only on its key
// statements and the files' content, so a later load with the same
// statements over the same files takes it over.
struct BuiltKeySet {
  std::vector<std::shared_ptr<const Response>> responses;
  Timeline timeline;
  // Per key, in order; empty when no key has any.
  std::vector<std::vector<std::string>> key_warnings;
};

// Built things by a digest of what they were built from, while a
// configuration holds them; counts what a load took over and built.
template <typename T>
class BuiltCache {
 public:
  void begin_load() { reused_ = built_ = 0; }

  // What was built from `digest` by this or an earlier load, while a
  // configuration still holds it; else null.
  std::shared_ptr<const T> find(const std::string& digest) {
    auto it = by_digest_.find(key_of(digest));
    if (it == by_digest_.end()) return nullptr;
    std::shared_ptr<const T> held = it->second.lock();
    if (held) ++reused_;
    return held;
  }
  // Keeps `built`, built from `digest`, for later loads.
  void keep(const std::string& digest, const std::shared_ptr<const T>& built) {
    by_digest_[key_of(digest)] = built;
    ++built_;
  }
  // Counts one built that cannot be kept.
  void count_built() { ++built_; }

  // Forgets what no configuration holds any more.
  void prune() {
    for (auto it = by_digest_.begin(); it != by_digest_.end();) {
      it = it->second.expired() ? by_digest_.erase(it) : std::next(it);
    }
  }

  size_t reused() const { return reused_; }
  size_t built() const { return built_; }
  size_t size() const { return by_digest_.size(); }

  // A SHA-256 digest, held in the entry (a string of 32 would be one more
  // allocation per entry).
  using Key = std::array<char, 32>;

 private:
  struct KeyHash {
    size_t operator()(const Key& k) const noexcept {
      size_t h;
      std::memcpy(&h, k.data(), sizeof h);  // the digest's bytes are uniform
      return h;
    }
  };
  static Key key_of(const std::string& digest) {
    Key k{};
    std::memcpy(k.data(), digest.data(), std::min(digest.size(), k.size()));
    return k;
  }
  std::unordered_map<Key, std::weak_ptr<const T>, KeyHash> by_digest_;
  size_t reused_ = 0, built_ = 0;
};
using KeySetCache = BuiltCache<BuiltKeySet>;

using BlockCache = BuiltCache<BuiltBlock>;

// All of them, for the life of the process.
struct ReloadCaches {
  KeyFileCache key_files{/*in_child=*/true};
  ResponseCache responses;
  KeySetCache key_sets;
  BlockCache blocks;
};

}  // namespace wellknown
