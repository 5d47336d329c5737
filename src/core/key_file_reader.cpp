#include "key_file_reader.hpp"

#include <fcntl.h>
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

bool read_all(int fd, char* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

// In one send: the reader on the other side wakes once per frame.
bool send_frame(int fd, const std::string& s) {
  if (s.size() > kMaxFrame) return false;
  uint32_t n = static_cast<uint32_t>(s.size());
  std::string frame(sizeof n + s.size(), '\0');
  std::memcpy(frame.data(), &n, sizeof n);
  std::memcpy(frame.data() + sizeof n, s.data(), s.size());
  return write_all(fd, frame.data(), frame.size());
}

bool receive_frame(int fd, std::string* s) {
  uint32_t n = 0;
  if (!read_all(fd, reinterpret_cast<char*>(&n), sizeof n) || n > kMaxFrame) return false;
  s->assign(n, '\0');
  return read_all(fd, s->data(), n);
}

// What the child is asked, in a request's first byte.
constexpr char kPublic = 'P';   // the rest is a path: its public material
constexpr char kSigning = 'S';  // a path: as kPublic, refused without a private key
constexpr char kSign = 'J';     // CBOR {path, alg, kid, claims}: a signed JWT

void put_material(nlohmann::json& answer, const PublicKeyMaterial& m, const FileIdentity& id) {
  std::string encoded = encode_public_material(m);
  answer["material"] =
      nlohmann::json::binary(std::vector<std::uint8_t>(encoded.begin(), encoded.end()));
  answer["identity"] = {id.device,    id.inode,     id.size,       id.mtime_sec,
                        id.mtime_nsec, id.ctime_sec, id.ctime_nsec, id.mode};
}

// One answer (CBOR: "error", or what was asked for). A private key lives
// only in here, for the time of one request.
nlohmann::json answer_to(const std::string& request) {
  nlohmann::json answer = nlohmann::json::object();
  const std::string rest = request.substr(1);
  if (request[0] == kPublic) {
    FileIdentity id;
    PublicKeyMaterial m = load_key_file(rest, &id);
    put_material(answer, m, id);
  } else if (request[0] == kSigning) {
    SigningKeyMaterial m = load_signing_key_file(rest);
    put_material(answer, m.material, FileIdentity{});
  } else if (request[0] == kSign) {
    const nlohmann::json r = nlohmann::json::from_cbor(rest);
    SigningKeyMaterial m = load_signing_key_file(r.at("path").get<std::string>());
    nlohmann::ordered_json claims = nlohmann::ordered_json::parse(r.at("claims").get<std::string>());
    answer["jwt"] = sign_jwt(m.private_key.get(), r.at("alg").get<std::string>(),
                             r.at("kid").get<std::string>(), claims);
    // Which key signed: the file could have been replaced since it was read.
    answer["thumbprint"] = make_jwk(m.material, KeyOptions{}).thumbprint();
  } else {
    answer["error"] = "the key file reader got a request it does not know";
  }
  return answer;
}

// The child: one request at a time, one answer each.
[[noreturn]] void serve(int in, int out) {
  std::string request;
  while (receive_frame(in, &request)) {
    nlohmann::json answer;
    if (request.empty()) {
      answer = {{"error", "the key file reader got an empty request"}};
    } else {
      try {
        answer = answer_to(request);
      } catch (const std::exception& e) {
        answer = {{"error", e.what()}};
      } catch (...) {
        answer = {{"error", "unexpected error"}};
      }
    }
    std::vector<std::uint8_t> cbor;
    try {
      cbor = nlohmann::json::to_cbor(answer);
    } catch (...) {
      _exit(1);
    }
    if (!send_frame(out, std::string(cbor.begin(), cbor.end()))) break;
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
    serve(sv[1], sv[1]);
  }
  close(sv[1]);
  pid_ = pid;
  to_child_ = from_child_ = sv[0];
  ++started_;
}

nlohmann::json KeyFileReader::ask(const std::string& request, const std::string& path) {
  if (pid_ < 0) start();
  std::string reply;
  if (!send_frame(to_child_, request) || !receive_frame(from_child_, &reply)) {
    stop();
    throw ConfigError("key file \"" + path + "\": the key file reader ended unexpectedly");
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::from_cbor(reply);
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("key file \"" + path + "\": the key file reader's answer is malformed (" +
                      e.what() + ")");
  }
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    throw ConfigError(j["error"].get<std::string>());
  }
  return j;
}

PublicKeyMaterial KeyFileReader::material_of(const nlohmann::json& j, const std::string& path,
                                             FileIdentity* identity) {
  PublicKeyMaterial m;
  try {
    const auto& b = j.at("material").get_binary();
    m = decode_public_material(std::string(b.begin(), b.end()));
    const auto& id = j.at("identity");
    if (identity) {
      identity->device = id.at(0).get<unsigned long long>();
      identity->inode = id.at(1).get<unsigned long long>();
      identity->size = id.at(2).get<long long>();
      identity->mtime_sec = id.at(3).get<long long>();
      identity->mtime_nsec = id.at(4).get<long long>();
      identity->ctime_sec = id.at(5).get<long long>();
      identity->ctime_nsec = id.at(6).get<long long>();
      identity->mode = id.at(7).get<unsigned>();
    }
  } catch (const nlohmann::json::exception& e) {
    throw ConfigError("key file \"" + path + "\": the key file reader's answer is malformed (" +
                      e.what() + ")");
  }
  return m;
}

PublicKeyMaterial KeyFileReader::load(const std::string& path, FileIdentity* identity) {
  return material_of(ask(kPublic + path, path), path, identity);
}

PublicKeyMaterial KeyFileReader::load_signing(const std::string& path) {
  return material_of(ask(kSigning + path, path), path, nullptr);
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
  close(to_child_);  // the child sees the end of its input and exits
  int status = 0;
  while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  to_child_ = from_child_ = -1;
}

}  // namespace wellknown
