#include "file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "error.hpp"

namespace wellknown {

namespace {

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

}  // namespace

namespace {

FileIdentity identity_of(const struct stat& st) {
  FileIdentity id;
  id.device = static_cast<unsigned long long>(st.st_dev);
  id.inode = static_cast<unsigned long long>(st.st_ino);
  id.size = static_cast<long long>(st.st_size);
  id.mtime_sec = static_cast<long long>(st.st_mtim.tv_sec);
  id.mtime_nsec = static_cast<long long>(st.st_mtim.tv_nsec);
  id.ctime_sec = static_cast<long long>(st.st_ctim.tv_sec);
  id.ctime_nsec = static_cast<long long>(st.st_ctim.tv_nsec);
  id.mode = static_cast<unsigned>(st.st_mode & 07777);
  return id;
}

}  // namespace

bool file_identity(const std::string& path, FileIdentity* identity) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  *identity = identity_of(st);
  return true;
}

size_t read_file_capped(const std::string& path, const char* what, size_t cap, std::string& text,
                        unsigned* mode, FileIdentity* identity) {
  const std::string name = std::string(what) + " \"" + path + "\"";
  // open/read, not stdio: no library buffer keeps a copy of the bytes (a
  // key file's text is wiped by the caller from `text` alone). O_NONBLOCK:
  // opening a FIFO with no writer must not hang the configuration load.
  Fd f{open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC)};
  if (f.fd < 0) {
    throw ConfigError("cannot open " + name + ": " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(f.fd, &st) != 0) {
    throw ConfigError("cannot stat " + name + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    throw ConfigError(name + " is a directory");
  }
  if (!S_ISREG(st.st_mode)) {
    throw ConfigError(name + " is not a regular file (a device, FIFO or socket)");
  }
  if (mode != nullptr) {
    *mode = static_cast<unsigned>(st.st_mode & 07777);
  }
  if (identity != nullptr) {
    *identity = identity_of(st);
  }
  size_t want = static_cast<size_t>(st.st_size) < cap ? static_cast<size_t>(st.st_size) : cap;
  text.resize(want + 1);  // one more byte: a file that grew, or one over the cap
  size_t n = 0;
  while (n < text.size()) {
    ssize_t got = read(f.fd, text.data() + n, text.size() - n);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw ConfigError("cannot read " + name + ": " + std::strerror(errno));
    }
    if (got == 0) {
      break;
    }
    n += static_cast<size_t>(got);
  }
  if (n == text.size() && want < cap) {
    throw ConfigError(name + " changed while it was read; try again");
  }
  if (n > cap) {
    throw ConfigError(name + " is larger than " +
                      (cap % (1024 * 1024) == 0 ? std::to_string(cap >> 20) + " MiB"
                                                : std::to_string(cap >> 10) + " KiB"));
  }
  if (n == 0) {
    throw ConfigError(name + " is empty");
  }
  return n;
}

}  // namespace wellknown
