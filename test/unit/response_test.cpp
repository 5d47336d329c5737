#include "core/response.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/encoding.hpp"

using namespace wellknown;

TEST(Response, StrongEtagFromBody) {
  Response a = make_response("{\"keys\":[]}");
  Response b = make_response("{\"keys\":[]}");
  Response c = make_response("{\"keys\":[1]}");
  EXPECT_EQ(a.etag, b.etag);
  EXPECT_NE(a.etag, c.etag);
  ASSERT_EQ(a.etag.size(), 24u);  // quotes + 22 base64url characters (128 bits)
  EXPECT_EQ(a.etag.front(), '"');
  EXPECT_EQ(a.etag.back(), '"');
  EXPECT_EQ(a.etag.substr(1, 22), base64url(sha256(a.body).substr(0, 16)));
  EXPECT_EQ(a.body, "{\"keys\":[]}");
}

TEST(Response, ErrorBody) {
  Response r = make_error_response("not_found", "say \"hi\"");
  auto j = nlohmann::json::parse(r.body);
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

TEST(Response, GzipVariantWhenSmaller) {
  std::string body = "{\"keys\":[" + std::string(2000, ' ') + "]}";
  Response r = make_response(body);
  ASSERT_FALSE(r.gzip_body.empty());
  EXPECT_LT(r.gzip_body.size(), body.size());
  EXPECT_EQ(r.gzip_body.substr(0, 2), std::string("\x1f\x8b", 2));  // RFC 1952 §2.3.1 ID1 ID2
  EXPECT_EQ(r.gzip_body.substr(4, 4), std::string(4, '\0'));         // MTIME 0: reproducible
  EXPECT_EQ(r.gzip_etag, "\"" + base64url(sha256(r.gzip_body).substr(0, 16)) + "\"");
  EXPECT_NE(r.gzip_etag, r.etag);
  EXPECT_EQ(make_response(body).gzip_body, r.gzip_body);  // same bytes every load

  // A body that does not shrink gets no variant.
  Response tiny = make_response("{}");
  EXPECT_TRUE(tiny.gzip_body.empty());
  EXPECT_TRUE(tiny.gzip_etag.empty());
}

