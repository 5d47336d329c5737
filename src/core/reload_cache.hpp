// What a configuration load may take over from the loads before it in the
// same process (the nginx master, which loads every generation), so that a
// reload costs what changed:
//   - KeyFileCache: each key file's public material, by path and file
//     identity. Only public material is kept: the public key (an EC curve
//     and point, or a public key object), certificates, and the findings.
//   - ResponseCache: responses by body, shared by every generation that
//     serves the same bytes; a response is made (ETag, gzip) once.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "file.hpp"
#include "key_file.hpp"
#include "key_file_reader.hpp"
#include "response.hpp"
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

  // This load's files: read, and taken over unchanged.
  size_t read() const { return read_; }
  size_t reused() const { return reused_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    FileIdentity identity;
    std::shared_ptr<const PublicKeyMaterial> material;
    unsigned long load = 0;  // the last load that named the file
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

// Both, for the life of the process.
struct ReloadCaches {
  KeyFileCache key_files{/*in_child=*/true};
  ResponseCache responses;
};

}  // namespace wellknown
