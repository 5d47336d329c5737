// Key files read in a short-lived child process, so that the process that
// loads the configuration (the nginx master, whose memory every worker
// inherits) never holds a private key or any encoding of one: OpenSSL 3.0's
// decoders free internal copies of a private key's DER without cleansing
// them. The child is forked at the first key file of a configuration load,
// reads every key file of that load (load_key_file: the public half only),
// and sends back public material (encode_public_material); it also signs
// the JWTs of signed metadata (signed_metadata_key), so that the signing
// key too is decoded only there. It exits when the load ends (stop()) or
// its parent goes away.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <deque>
#include <set>
#include <string>

#include "file.hpp"
#include "key_file.hpp"

namespace wellknown {

class KeyFileReader {
 public:
  KeyFileReader() = default;
  KeyFileReader(const KeyFileReader&) = delete;
  KeyFileReader& operator=(const KeyFileReader&) = delete;
  ~KeyFileReader() { stop(); }

  // What load_key_file(path, identity) returns, read by the child (started
  // if it is not running). Throws ConfigError as load_key_file does, and if
  // the child cannot be started or fails.
  PublicKeyMaterial load(const std::string& path, FileIdentity* identity);

  // load() in two steps, so that the child reads files while this process
  // goes on: request() asks without waiting (requests go out kBatch at a
  // time, or when an answer is needed) and returns the request's id;
  // take_material() waits for that answer. Answers are kept until taken or
  // stop().
  static constexpr unsigned kBatch = 64;
  unsigned long request(const std::string& path);
  PublicKeyMaterial take_material(unsigned long id, const std::string& path,
                                  FileIdentity* identity);

  // The public material of a key file to sign with: what load() gives,
  // refused (ConfigError, load_signing_key_file's message) if the file holds
  // no private key.
  PublicKeyMaterial load_signing(const std::string& path);

  // The JWT of `claims` (sign_jwt) signed in the child with the private key
  // in `path`. Throws ConfigError as sign_jwt does, and if the file's key is
  // no longer the one whose RFC 7638 `thumbprint` the caller checked.
  std::string sign(const std::string& path, const std::string& alg, const std::string& kid,
                   const nlohmann::ordered_json& claims, const std::string& thumbprint);

  // Ends the child (closes its pipe and waits for it). Idempotent.
  void stop() noexcept;

  // The child's pid, -1 when none runs; children started so far.
  pid_t pid() const { return pid_; }
  unsigned long started() const { return started_; }

 private:
  void start();
  unsigned long send(const std::string& request);
  // Sends what is queued and reads what has come, until every request is
  // sent and, if `want`, that answer has come. Throws ConfigError if the
  // child has gone.
  void exchange(const unsigned long* want);
  // The answer to request `id`; throws ConfigError with an error's text.
  std::string take(unsigned long id, const std::string& path);
  nlohmann::json ask(const std::string& request, const std::string& path);
  pid_t pid_ = -1;
  int fd_ = -1;  // one end of the socket pair; the child has the other
  unsigned long started_ = 0;
  std::string out_, in_;  // frames to send, bytes received
  size_t out_offset_ = 0, in_offset_ = 0;
  unsigned unsent_ = 0;  // requests queued since the last exchange
  std::deque<std::string> answers_;  // of requests first_id_, first_id_ + 1, ...
  std::set<unsigned long> taken_;  // ids taken out of order, still in answers_
  unsigned long first_id_ = 0, next_id_ = 0;
};

}  // namespace wellknown
