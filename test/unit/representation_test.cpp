#include "core/representation.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"

using namespace wellknown;

TEST(Representation, StrongEtagFromBody) {
  Representation a = make_representation("{\"keys\":[]}");
  Representation b = make_representation("{\"keys\":[]}");
  Representation c = make_representation("{\"keys\":[1]}");
  EXPECT_EQ(a.etag, b.etag);
  EXPECT_NE(a.etag, c.etag);
  ASSERT_EQ(a.etag.size(), 24u);  // quotes + 22 base64url characters (128 bits)
  EXPECT_EQ(a.etag.front(), '"');
  EXPECT_EQ(a.etag.back(), '"');
  EXPECT_EQ(a.etag.substr(1, 22), base64url(sha256(a.body).substr(0, 16)));
  EXPECT_EQ(a.body, "{\"keys\":[]}");
}

TEST(Representation, ErrorBody) {
  auto j = nlohmann::json::parse(json_error_body("not_found", "say \"hi\""));
  EXPECT_EQ(j["error"], "not_found");
  EXPECT_EQ(j["error_description"], "say \"hi\"");
}

TEST(Encoding, Base64Variants) {
  std::string bytes("\xfb\xff\xbf", 3);
  EXPECT_EQ(base64(bytes), "+/+/");
  EXPECT_EQ(base64url(bytes), "-_-_");
  EXPECT_EQ(base64("a"), "YQ==");
  EXPECT_EQ(base64url("a"), "YQ");
  EXPECT_EQ(base64url(""), "");
}

TEST(Encoding, Utf8) {
  EXPECT_TRUE(is_valid_utf8("plain"));
  EXPECT_TRUE(is_valid_utf8("\xc3\xa9t\xc3\xa9"));
  EXPECT_FALSE(is_valid_utf8("\xc3"));
  EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong
  EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));  // surrogate
}
