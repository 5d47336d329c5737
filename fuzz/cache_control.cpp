// Cache-Control values from wellknown_cache_control and cache_control
// statements: check_cache_control accepts or throws ConfigError, never
// anything else; what it accepts has no control character or unbalanced
// quote that could break the header nginx sends. An accepted value, cut
// short near a scheduled change (CacheControl::for_remaining), never
// grants a lifetime longer than the seconds left.
#include "fuzz.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "core/cache_control.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string value(reinterpret_cast<const char*>(data), size);
  if (fuzz::expect_config_error([&] { wellknown::check_cache_control(value); })) {
    size_t quotes = 0;
    for (size_t i = 0; i < value.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(value[i]);
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        ++quotes;
      } else if ((c < 0x20 && c != '\t') || c == 0x7f) {
        if (quotes % 2 == 0) std::abort();  // a control byte outside a quoted string
      }
    }
    if (quotes % 2 != 0) std::abort();
    const wellknown::CacheControl cc(value);
    for (wellknown::Seconds left : {0LL, 1LL, 59LL, 119LL, 120LL, 3599LL, 86399LL, 400LL * 86400}) {
      const std::string& cut = cc.for_remaining(left);
      if (cut == cc.value()) continue;  // the value as written: beyond its own horizon
      // Directives are joined with ", "; a comma inside a quoted string
      // (no-cache="a, max-age=60") is an argument, not a separator.
      std::vector<std::string> directives(1);
      bool quoted = false;
      for (size_t i = 0; i < cut.size(); ++i) {
        char c = cut[i];
        if (quoted && c == '\\' && i + 1 < cut.size()) {
          directives.back() += c;
          c = cut[++i];
        } else if (c == '"') {
          quoted = !quoted;
        } else if (c == ',' && !quoted) {
          directives.emplace_back();
          if (i + 1 < cut.size() && cut[i + 1] == ' ') ++i;
          continue;
        }
        directives.back() += c;
      }
      for (const std::string& d : directives) {
        for (const char* name : {"max-age=", "s-maxage="}) {
          if (d.rfind(name, 0) == 0 && std::stoll(d.substr(std::strlen(name))) > left) std::abort();
        }
      }
    }
  }
  return 0;
}
