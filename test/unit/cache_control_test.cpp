#include "core/cache_control.hpp"

#include <gtest/gtest.h>

#include "core/error.hpp"

using namespace wellknown;

TEST(CacheControl, ValidValues) {
  for (const char* v : {"public, max-age=600", "no-store", "max-age=0", "private",
                        "no-cache=\"Set-Cookie\"", "public,max-age=86400,stale-while-revalidate=60",
                        "MAX-AGE=10", "public, , max-age=1", "x-custom=\"a, b\"", "s-maxage=3"}) {
    EXPECT_NO_THROW(check_cache_control(v)) << v;
  }
}

TEST(CacheControl, InvalidValuesNameTheDirective) {
  struct Case {
    const char* value;
    const char* error;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"max-age=abc", "max-age takes a number of seconds, e.g. max-age=600"},
           {"max-age", "max-age takes a number of seconds"},
           {"max-age=-1", "max-age takes a number of seconds"},
           {"s-maxage=\"10\"", "s-maxage takes a number of seconds"},
           {"public=yes", "public takes no value"},
           {"max age=10", "\"max age=10\" is not a directive"},
           {"no-cache=\"unterminated", "no-cache has a malformed value"},
           {"private=a b", "private has a malformed value"},
           {",", "no directive"},
           {"max-age=1\r\nX-Evil: 1", "the value contains a control character"},
           {"no-cache=\"a\x01\"", "the value contains a control character"},
       }) {
    try {
      check_cache_control(c.value);
      ADD_FAILURE() << c.value << " was accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(c.error), std::string::npos)
          << c.value << ": " << e.what();
    }
  }
}
