// Cache-Control values from wellknown_cache_control and cache_control
// statements: check_cache_control accepts or throws ConfigError, never
// anything else; what it accepts has no control character or unbalanced
// quote that could break the header nginx sends.
#include "fuzz.hpp"

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
  }
  return 0;
}
