#include "file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "error.hpp"

namespace wellknown {

size_t read_file_capped(const std::string& path, const char* what, size_t cap, std::string& text) {
  const std::string name = std::string(what) + " \"" + path + "\"";
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    throw ConfigError("cannot open " + name + ": " + std::strerror(errno));
  }
  std::unique_ptr<FILE, int (*)(FILE*)> guard(f, std::fclose);
  struct stat st;
  if (fstat(fileno(f), &st) != 0) {
    throw ConfigError("cannot stat " + name + ": " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    throw ConfigError(name + " is a directory");
  }
  // Non-regular files (pipes, devices) get the cap.
  size_t want = S_ISREG(st.st_mode) && static_cast<size_t>(st.st_size) < cap
                    ? static_cast<size_t>(st.st_size)
                    : cap;
  text.resize(want + 1);
  size_t n = 0;
  while (n < text.size()) {
    size_t got = std::fread(text.data() + n, 1, text.size() - n, f);
    if (got == 0) {
      break;
    }
    n += got;
  }
  if (std::ferror(f)) {
    throw ConfigError("cannot read " + name + ": " + std::strerror(errno));
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
