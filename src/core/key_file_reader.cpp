#include "key_file_reader.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <nlohmann/json.hpp>

#include "jwk.hpp"
#include "jws.hpp"

namespace wellknown {

namespace {

// Frames on the socket pair: a 4-byte length in host order, then the bytes.
constexpr uint32_t kMaxFrame = 16 * 1024 * 1024;

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    // MSG_NOSIGNAL: a reader that died is an error here, not a SIGPIPE.
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// What the child is asked, in a request's first byte.
constexpr char kPublic = 'P';   // the rest is a path: its public material
constexpr char kSigning = 'S';  // a path: as kPublic, refused without a private key
constexpr char kSign = 'J';     // CBOR {path, alg, kid, claims}: a signed JWT

// Answers, by their first byte.
constexpr char kMaterial = 'M';  // encode_public_material's record
constexpr char kError = 'E';     // the rest is the error's message
constexpr char kJson = 'C';      // CBOR

// One answer. A private key lives only in here, for the time of one request.
std::string answer_to(const std::string& request) {
  const std::string rest = request.substr(1);
  if (request[0] == kPublic) {
    FileIdentity id;
    PublicKeyMaterial m = load_key_file(rest, &id);
    return kMaterial + encode_public_material(m, id);
  }
  if (request[0] == kSigning) {
    SigningKeyMaterial m = load_signing_key_file(rest);
    return kMaterial + encode_public_material(m.material, FileIdentity{});
  }
  if (request[0] == kSign) {
    const nlohmann::json r = nlohmann::json::from_cbor(rest);
    SigningKeyMaterial m = load_signing_key_file(r.at("path").get<std::string>());
    nlohmann::ordered_json claims = nlohmann::ordered_json::parse(r.at("claims").get<std::string>());
    nlohmann::json answer;
    answer["jwt"] = sign_jwt(m.private_key.get(), r.at("alg").get<std::string>(),
                             r.at("kid").get<std::string>(), claims);
    // Which key signed: the file could have been replaced since it was read.
    answer["thumbprint"] = make_jwk(m.material, KeyOptions{}).thumbprint();
    const std::vector<std::uint8_t> cbor = nlohmann::json::to_cbor(answer);
    return kJson + std::string(cbor.begin(), cbor.end());
  }
  return kError + std::string("the key file reader got a request it does not know");
}

// Appends a frame: a 4-byte length in host order, then the bytes.
void append_frame(std::string* out, const std::string& s) {
  uint32_t n = static_cast<uint32_t>(s.size());
  out->append(reinterpret_cast<const char*>(&n), sizeof n);
  out->append(s);
}

// Takes the first whole frame off `in` (from `*offset`) into `s`; false if
// there is none yet. Throws for a frame longer than kMaxFrame.
bool next_frame(const std::string& in, size_t* offset, std::string* s) {
  uint32_t n = 0;
  if (in.size() - *offset < sizeof n) return false;
  std::memcpy(&n, in.data() + *offset, sizeof n);
  if (n > kMaxFrame) throw ConfigError("the key file reader's frame is too long");
  if (in.size() - *offset - sizeof n < n) return false;
  s->assign(in, *offset + sizeof n, n);
  *offset += sizeof n + n;
  return true;
}

// The child: answers every request in the order asked, a batch at a time:
// all the requests one read brought, then all their answers in one write
// before waiting for more.
[[noreturn]] void serve(int fd) {
  std::string in, out, request;
  size_t offset = 0;
  std::vector<char> buffer(64 * 1024);
  for (;;) {
    try {
      while (next_frame(in, &offset, &request)) {
        std::string answer;
        if (request.empty()) {
          answer = kError + std::string("the key file reader got an empty request");
        } else {
          try {
            answer = answer_to(request);
          } catch (const std::exception& e) {
            answer = kError + std::string(e.what());
          } catch (...) {
            answer = kError + std::string("unexpected error");
          }
        }
        append_frame(&out, answer);
      }
    } catch (...) {
      _exit(1);
    }
    in.erase(0, offset);
    offset = 0;
    if (!out.empty()) {
      if (!write_all(fd, out.data(), out.size())) break;
      out.clear();
    }
    ssize_t r = read(fd, buffer.data(), buffer.size());
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    in.append(buffer.data(), static_cast<size_t>(r));
  }
  // _exit: no atexit handlers or static destructors of the parent's state.
  _exit(0);
}

}  // namespace

void KeyFileReader::start() {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    throw ConfigError(std::string("cannot start the key file reader: socketpair: ") +
                      std::strerror(errno));
  }
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(sv[0]);
    close(sv[1]);
    throw ConfigError(std::string("cannot start the key file reader: fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    close(sv[0]);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive the loading process
#endif
    serve(sv[1]);
  }
  close(sv[1]);
  pid_ = pid;
  fd_ = sv[0];
  ++started_;
}

unsigned long KeyFileReader::send(const std::string& request) {
  if (pid_ < 0) start();
  append_frame(&out_, request);
  if (++unsent_ >= kBatch) exchange(nullptr);
  return next_id_++;
}

void KeyFileReader::exchange(const unsigned long* want) {
  for (;;) {
    std::string answer;
    while (next_frame(in_, &in_offset_, &answer)) answers_.push_back(std::move(answer));
    in_.erase(0, in_offset_);
    in_offset_ = 0;
    const bool sent = out_offset_ == out_.size();
    if (sent) {
      out_.clear();
      out_offset_ = 0;
      unsent_ = 0;
      if (want == nullptr || *want < first_id_ + answers_.size()) return;
    }
    // Reads whatever answers there are while sending, so that neither side
    // waits for the other with both socket buffers full.
    pollfd p{fd_, static_cast<short>(POLLIN | (sent ? 0 : POLLOUT)), 0};
    if (poll(&p, 1, -1) < 0) {
      if (errno == EINTR) continue;
      throw ConfigError(std::string("the key file reader: poll: ") + std::strerror(errno));
    }
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buffer[64 * 1024];
      ssize_t r = recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
      if (r > 0) {
        in_.append(buffer, static_cast<size_t>(r));
      } else if (r == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
        throw ConfigError("the key file reader ended unexpectedly");
      }
    }
    if (!sent && (p.revents & POLLOUT)) {
      ssize_t w = ::send(fd_, out_.data() + out_offset_, out_.size() - out_offset_,
                       MSG_DONTWAIT | MSG_NOSIGNAL);
      if (w > 0) {
        out_offset_ += static_cast<size_t>(w);
      } else if (w < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
        throw ConfigError("the key file reader ended unexpectedly");
      }
    }
  }
}

std::string KeyFileReader::take(unsigned long id, const std::string& path) {
  if (pid_ < 0 || id < first_id_ || id >= next_id_) {
    throw ConfigError("key file \"" + path + "\": internal error: no such request to the reader");
  }
  std::string reply;
  try {
    exchange(&id);
    reply = std::move(answers_[id - first_id_]);
    taken_.insert(id);
    while (!answers_.empty() && taken_.erase(first_id_)) {
      answers_.pop_front();
      ++first_id_;
    }
  } catch (const ConfigError& e) {
    stop();
    throw ConfigError("key file \"" + path + "\": " + e.what());
  }
  if (!reply.empty() && reply[0] == kError) throw ConfigError(reply.substr(1));
  return reply;
}

nlohmann::json KeyFileReader::ask(const std::string& request, const std::string& path) {
  const std::string reply = take(send(request), path);
  try {
    if (reply.empty() || reply[0] != kJson) throw ConfigError("not CBOR");
    return nlohmann::json::from_cbor(reply.begin() + 1, reply.end());
  } catch (const std::exception& e) {
    throw ConfigError("key file \"" + path + "\": the key file reader's answer is malformed (" +
                      e.what() + ")");
  }
}

unsigned long KeyFileReader::request(const std::string& path) { return send(kPublic + path); }

PublicKeyMaterial KeyFileReader::take_material(unsigned long id, const std::string& path,
                                               FileIdentity* identity) {
  const std::string reply = take(id, path);
  try {
    if (reply.empty() || reply[0] != kMaterial) throw ConfigError("not a key's record");
    return decode_public_material(std::string_view(reply).substr(1), identity);
  } catch (const ConfigError& e) {
    throw ConfigError("key file \"" + path + "\": the key file reader's answer is malformed (" +
                      e.what() + ")");
  }
}

PublicKeyMaterial KeyFileReader::load(const std::string& path, FileIdentity* identity) {
  return take_material(request(path), path, identity);
}

PublicKeyMaterial KeyFileReader::load_signing(const std::string& path) {
  return take_material(send(kSigning + path), path, nullptr);
}

std::string KeyFileReader::sign(const std::string& path, const std::string& alg,
                                const std::string& kid, const nlohmann::ordered_json& claims,
                                const std::string& thumbprint) {
  const nlohmann::json request = {
      {"path", path}, {"alg", alg}, {"kid", kid}, {"claims", claims.dump()}};
  const std::vector<std::uint8_t> cbor = nlohmann::json::to_cbor(request);
  nlohmann::json j = ask(kSign + std::string(cbor.begin(), cbor.end()), path);
  try {
    if (j.at("thumbprint").get<std::string>() != thumbprint) {
      throw ConfigError("key file \"" + path +
                        "\" changed while the configuration was loaded (the key it holds now is "
                        "not the one checked against the key set); load again");
    }
    return j.at("jwt").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("key file \"" + path + "\": the key file reader's answer is malformed (" +
                      e.what() + ")");
  }
}

void KeyFileReader::stop() noexcept {
  if (pid_ < 0) return;
  close(fd_);  // the child sees the end of its input and exits
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  fd_ = -1;
  out_.clear();
  in_.clear();
  out_offset_ = in_offset_ = 0;
  unsent_ = 0;
  answers_.clear();
  taken_.clear();
  first_id_ = next_id_;
}

}  // namespace wellknown
