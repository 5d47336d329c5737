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

// Reads at most `cap` bytes of `path` into `text`, which is sized once up
// front and never reallocated (a caller holding secrets can wipe it whole).
// Returns the number of bytes read. Throws ConfigError, naming the file as
// `what "path"`, for a file that cannot be opened or read, a directory, an
// empty file, or one larger than `cap`. If `mode` is given, it receives the
// file's permission bits.
size_t read_file_capped(const std::string& path, const char* what, size_t cap, std::string& text,
                        unsigned* mode = nullptr);

}  // namespace wellknown
