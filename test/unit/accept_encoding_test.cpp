#include "core/accept_encoding.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace wellknown;

TEST(AcceptEncoding, Gzip) {
  for (const char* yes : {"gzip", "GZIP", "x-gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.5",
                          "gzip;q=1", "gzip;q=1.000", "gzip ; q=0.001", "*", "*;q=0.1",
                          "deflate, *", "identity, gzip;Q=0.8", "  gzip  ", ",,gzip,,",
                          "gzip;level=9", "gzip;q=0, x-gzip;q=0.5", "br, *;q=0.2, deflate"}) {
    EXPECT_TRUE(accepts_gzip(yes)) << yes;
  }
  for (const char* no : {"", "identity", "br", "deflate, br", "gzip;q=0", "gzip;q=0.000",
                         "gzip;q=0, *", "*;q=0", "gzip;q=2", "gzip;q=1.5", "gzip;q=0.0001",
                         "gzip;q=", "gzip;q=abc", "gzipx", "xgzip", "gz", ";;;", "gzip;q=-1",
                         "*;q=0, gzip;q=0", "identity;q=1, *;q=0"}) {
    EXPECT_FALSE(accepts_gzip(no)) << no;
  }
  // Long hostile values: no allocation, linear time, a definite answer.
  EXPECT_TRUE(accepts_gzip(std::string(100000, ',') + "gzip"));
  EXPECT_FALSE(accepts_gzip(std::string(100000, ';')));
}
