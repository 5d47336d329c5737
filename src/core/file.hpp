// Reading the files nginx.conf names (key files, metadata documents) at
// config load: bounded in size, with errors that name the file.
#pragma once

#include <functional>
#include <string>

namespace wellknown {

// Turns a file name as written in the configuration into the path to open
// (the adapter applies nginx's rule: relative names are relative to the
// configuration prefix, as for ssl_certificate).
using FullName = std::function<std::string(const std::string&)>;

// What identifies one version of a file without reading it: the inode it
// is (an atomic rename or a symlink swap gives another), its size and its
// modification and change times to the nanosecond (a write in place moves
// them; chmod and chown move the change time).
struct FileIdentity {
  unsigned long long device = 0, inode = 0;
  long long size = 0;
  long long mtime_sec = 0, mtime_nsec = 0, ctime_sec = 0, ctime_nsec = 0;
  unsigned mode = 0;
  bool operator==(const FileIdentity& o) const {
    return device == o.device && inode == o.inode && size == o.size &&
           mtime_sec == o.mtime_sec && mtime_nsec == o.mtime_nsec &&
           ctime_sec == o.ctime_sec && ctime_nsec == o.ctime_nsec && mode == o.mode;
  }
};

// The identity of the file `path` names (following symlinks), or false if
// it cannot be stat()ed or is not a regular file.
bool file_identity(const std::string& path, FileIdentity* identity);

// Reads at most `cap` bytes of `path` into `text`, which is sized once up
// front and never reallocated (a caller holding secrets can wipe it whole).
// Returns the number of bytes read. Throws ConfigError, naming the file as
// `what "path"`, for a file that cannot be opened or read, a directory, an
// empty file, or one larger than `cap`. If `mode` is given, it receives the
// file's permission bits; if `identity` is given, the identity of the file
// read (from the open descriptor).
size_t read_file_capped(const std::string& path, const char* what, size_t cap, std::string& text,
                        unsigned* mode = nullptr, FileIdentity* identity = nullptr);

}  // namespace wellknown
