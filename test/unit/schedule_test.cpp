// Key publication windows: times and durations as written, the versions a
// schedule produces, the Cache-Control values near a change, and what
// nginx -t says about a schedule.
#include <gtest/gtest.h>


#include <nlohmann/json.hpp>

#include "core/cache_control.hpp"
#include "core/jwk.hpp"
#include "core/key_sets.hpp"
#include "core/timestamp.hpp"
#include "keys.hpp"

using namespace wellknown;
using json = nlohmann::json;
using testkeys::error_of;
using testkeys::TempFile;

namespace {

std::string identity(const std::string& name) { return name; }

const Seconds kDec1 = 1796083200;   // 2026-12-01T00:00:00Z
const Seconds kDay = 86400;

std::vector<std::string> kids(const Version& v) {
  std::vector<std::string> out;
  const json set = json::parse(v.response->body);
  for (const auto& k : set["keys"]) out.push_back(k["kid"]);
  return out;
}

}  // namespace

TEST(Timestamp, Rfc3339Utc) {
  EXPECT_EQ(parse_rfc3339_utc("2026-12-01T00:00:00Z"), kDec1);
  EXPECT_EQ(parse_rfc3339_utc("2026-12-01t00:00:01z"), kDec1 + 1);
  EXPECT_EQ(parse_rfc3339_utc("2026-12-01T00:00:00+00:00"), kDec1);
  EXPECT_EQ(format_rfc3339(kDec1), "2026-12-01T00:00:00Z");
  EXPECT_EQ(format_http_date(kDec1), "Tue, 01 Dec 2026 00:00:00 GMT");
  EXPECT_EQ(error_of([] { parse_rfc3339_utc("2026-12-01"); }),
            "\"2026-12-01\" is not an RFC 3339 UTC time; write it as 2026-12-01T00:00:00Z");
  EXPECT_EQ(error_of([] { parse_rfc3339_utc("2026-12-01T00:00:00+01:00"); }),
            "\"2026-12-01T00:00:00+01:00\": give the time in UTC, ending in Z");
  EXPECT_EQ(error_of([] { parse_rfc3339_utc("2026-12-01T00:00:00.5Z"); }),
            "\"2026-12-01T00:00:00.5Z\": give whole seconds, without a fraction");
  EXPECT_EQ(error_of([] { parse_rfc3339_utc("2027-02-30T00:00:00Z"); }),
            "\"2027-02-30T00:00:00Z\" is not a valid date (no such day in that month)");
  EXPECT_EQ(error_of([] { parse_rfc3339_utc("2026-13-01T00:00:00Z"); }),
            "\"2026-13-01T00:00:00Z\" is not a valid date and time");
  EXPECT_NE(error_of([] { parse_rfc3339_utc("2026-12-01T24:00:00Z"); }), "");
}

TEST(Timestamp, Durations) {
  EXPECT_EQ(parse_duration("14d"), 14 * kDay);
  EXPECT_EQ(parse_duration("1d12h"), 36 * 3600);
  EXPECT_EQ(parse_duration("2w"), 14 * kDay);
  EXPECT_EQ(parse_duration("90"), 90);
  EXPECT_EQ(format_duration(14 * kDay + 7200), "14d 2h");
  EXPECT_NE(error_of([] { parse_duration("14x"); }).find("units are w, d, h, m and s"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_duration("1d12"); }).find("give a unit"), std::string::npos);
  EXPECT_NE(error_of([] { parse_duration(""); }).find("empty"), std::string::npos);
  EXPECT_NE(error_of([] { parse_duration("999999999d"); }).find("too long"), std::string::npos);
}

TEST(Schedule, KeyOptions) {
  KeyOptions o = parse_key_options({"publish=2026-12-01T00:00:00Z", "retire=2027-03-01T00:00:00Z"});
  EXPECT_EQ(o.publish, kDec1);
  EXPECT_EQ(o.retire, parse_rfc3339_utc("2027-03-01T00:00:00Z"));
  o = parse_key_options({"window=certificate", "lead=14d", "grace=2d"});
  EXPECT_TRUE(o.certificate_window);
  EXPECT_EQ(o.lead, 14 * kDay);
  EXPECT_NE(error_of([] { parse_key_options({"window=certificate", "publish=2026-12-01T00:00:00Z"}); })
                .find("not both"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_key_options({"lead=14d"}); }).find("add window=certificate"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_key_options({"window=notbefore"}); }).find("window=certificate"),
            std::string::npos);
  EXPECT_EQ(error_of([] { parse_key_options({"publish=2026-12-01T00:00:00Z", "publish=2026-12-02T00:00:00Z"}); }),
            "option \"publish\" is given twice");
  EXPECT_EQ(error_of([] { parse_key_options({"retire="}); }),
            "option \"retire\" needs a value, as in \"retire=...\"");
}

TEST(Schedule, CertificateWindowWithLeadAndGrace) {
  auto ec = testkeys::generate("EC", "P-256");
  auto cert = testkeys::certificate(ec.get(), "signer", nullptr, nullptr, 90);
  PublicKeyMaterial m = parse_key_pem(testkeys::cert_pem(cert.get()));
  Window w = key_window(parse_key_options({"window=certificate", "lead=14d", "grace=2d"}), m);
  EXPECT_EQ(w.from, m.not_before - 14 * kDay);
  EXPECT_EQ(w.until, m.not_after + 2 * kDay);
  EXPECT_EQ(m.not_after - m.not_before, 90 * kDay + 3600);
  PublicKeyMaterial bare = parse_key_pem(testkeys::spki(ec.get()));
  EXPECT_NE(error_of([&] { key_window(parse_key_options({"window=certificate"}), bare); })
                .find("needs a certificate in the file"),
            std::string::npos);
}

// Three keys, quarterly: each published two weeks before its quarter and
// kept two days after it.
class Quarterly : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) {
      keys_.push_back(testkeys::generate("EC", "P-256"));
      files_.push_back(std::make_unique<TempFile>(testkeys::spki(keys_.back().get())));
    }
  }
  KeySet& define(KeySets& sets, Seconds now, Warnings* warnings = nullptr) {
    KeySet& set = sets.define("rotating", {"keys.conf", 4});
    const std::vector<std::vector<std::string>> lines = {
        {files_[0]->path, "kid=q4", "alg=ES256", "retire=2027-01-03T00:00:00Z"},
        {files_[1]->path, "kid=q1", "alg=ES256", "publish=2026-12-18T00:00:00Z",
         "retire=2027-04-03T00:00:00Z"},
        {files_[2]->path, "kid=q2", "alg=ES256", "publish=2027-03-18T00:00:00Z"}};
    for (const auto& l : lines) {
      Warnings w = key_statement(set, "key", l, identity, now);
      if (warnings) warnings->insert(warnings->end(), w.begin(), w.end());
    }
    sets.seal("rotating", set, now);
    return set;
  }
  std::vector<PublicKeyPtr> keys_;
  std::vector<std::unique_ptr<TempFile>> files_;
};

TEST_F(Quarterly, EveryVersionFromNowOn) {
  KeySets sets;
  KeySet& set = define(sets, kDec1);
  const auto& v = set.timeline.versions();
  ASSERT_EQ(v.size(), 5u);
  const Seconds dec18 = parse_rfc3339_utc("2026-12-18T00:00:00Z");
  const Seconds jan3 = parse_rfc3339_utc("2027-01-03T00:00:00Z");
  EXPECT_EQ(v[0].from, kSinceAlways);
  EXPECT_EQ(v[0].until, dec18);
  EXPECT_EQ(v[0].last_modified, "") << "no scheduled start: no Last-Modified";
  EXPECT_EQ(kids(v[0]), (std::vector<std::string>{"q4"}));
  EXPECT_EQ(v[1].from, dec18);
  EXPECT_EQ(v[1].last_modified, "Fri, 18 Dec 2026 00:00:00 GMT");
  EXPECT_EQ(kids(v[1]), (std::vector<std::string>{"q4", "q1"}));
  EXPECT_EQ(v[2].from, jan3);
  EXPECT_EQ(kids(v[2]), (std::vector<std::string>{"q1"}));
  EXPECT_EQ(kids(v[3]), (std::vector<std::string>{"q1", "q2"}));
  EXPECT_EQ(kids(v[4]), (std::vector<std::string>{"q2"}));
  EXPECT_EQ(v[4].until, kForever);

  // The exact second.
  EXPECT_EQ(&set.timeline.at(dec18 - 1), &v[0]);
  EXPECT_EQ(&set.timeline.at(dec18), &v[1]);
  EXPECT_EQ(&set.timeline.at(0), &v[0]) << "a clock set back: the first version";
  // Derived members name every key published now or later.
  EXPECT_EQ(set.jwks.keys().size(), 3u);
}

TEST_F(Quarterly, LoadedLaterTheSameValidatorsAndNoPast) {
  KeySets early, late;
  KeySet& a = define(early, kDec1);
  const Seconds dec20 = parse_rfc3339_utc("2026-12-20T12:34:56Z");
  Warnings w;
  KeySet& b = define(late, dec20, &w);
  EXPECT_TRUE(w.empty());
  ASSERT_EQ(b.timeline.versions().size(), 4u) << "the version that ended on Dec 18 is gone";
  const Version& va = a.timeline.at(dec20);
  const Version& vb = b.timeline.at(dec20);
  EXPECT_EQ(va.from, vb.from) << "the start comes from the windows, not the load time";
  EXPECT_EQ(va.last_modified, vb.last_modified);
  EXPECT_EQ(va.response->etag, vb.response->etag);
  EXPECT_EQ(va.response->body, vb.response->body);
  // Loaded after q4 was retired: its derived members forget it.
  KeySets later;
  Warnings w2;
  KeySet& c = define(later, parse_rfc3339_utc("2027-02-01T00:00:00Z"), &w2);
  EXPECT_EQ(c.jwks.keys().size(), 2u);
  ASSERT_EQ(w2.size(), 1u);
  EXPECT_NE(w2[0].find("retired at 2027-01-03T00:00:00Z, before now"), std::string::npos) << w2[0];
}

TEST_F(Quarterly, ScheduleReportAndOverlapWarning) {
  KeySets sets;
  KeySet& set = define(sets, kDec1);
  sets.get("rotating");
  set.served_with(CacheControl("public, max-age=600"));
  ScheduleReport r = sets.schedules(kDec1);
  ASSERT_EQ(r.notices.size(), 5u);
  EXPECT_EQ(r.notices[1].message,
            "wellknown_keys \"rotating\" schedule: from 2026-12-18T00:00:00Z until "
            "2027-01-03T00:00:00Z: kids \"q4\", \"q1\"");
  EXPECT_EQ(r.notices[1].origin.line, 4u);
  EXPECT_TRUE(r.warnings.empty()) << r.warnings[0].message;
  // Caches that keep the set for 30 days outlast the 16-day overlap.
  set.served_with(CacheControl("max-age=2592000"));
  r = sets.schedules(kDec1);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_EQ(r.warnings[0].message,
            "wellknown_keys \"rotating\": kid \"q1\" is published 16d before kid \"q4\" is "
            "retired, less than the Cache-Control max-age (30d); publish it earlier so clients "
            "have it before tokens use it");
}

TEST(Schedule, GapsEmptyWindowsAndSharedVersions) {
  auto ec = testkeys::generate("EC", "P-256");
  TempFile a(testkeys::spki(ec.get()));
  auto ed = testkeys::generate("ED25519");
  TempFile b(testkeys::spki(ed.get()));
  KeySets sets;
  KeySet& set = sets.define("gap", {"k.conf", 1});
  EXPECT_TRUE(key_statement(set, "key", {a.path, "retire=2026-12-10T00:00:00Z"}, identity, kDec1)
                  .empty());
  Warnings w = key_statement(set, "key",
                             {b.path, "publish=2026-12-20T00:00:00Z", "retire=2026-12-20T00:00:00Z"},
                             identity, kDec1);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("its window is empty"), std::string::npos) << w[0];
  sets.seal("gap", set, kDec1);
  ASSERT_EQ(set.timeline.versions().size(), 2u) << "the empty window changes nothing";
  EXPECT_EQ(set.timeline.versions()[1].response->body, "{\"keys\":[]}");
  sets.get("gap");
  ScheduleReport r = sets.schedules(kDec1);
  ASSERT_EQ(r.warnings.size(), 1u);
  EXPECT_EQ(r.warnings[0].message,
            "wellknown_keys \"gap\": no key is published from 2026-12-10T00:00:00Z until forever; "
            "tokens cannot be verified then");

  // Another set with the same bytes shares the response; unscheduled sets
  // are not reported.
  KeySet& plain = sets.define("plain");
  key_statement(plain, "key", {a.path}, identity, kDec1);
  sets.seal("plain", plain, kDec1);
  EXPECT_EQ(plain.timeline.versions().size(), 1u);
  EXPECT_EQ(plain.timeline.versions()[0].response, set.timeline.versions()[0].response);
  sets.get("plain");
  EXPECT_EQ(sets.schedules(kDec1).notices.size(), 2u);
}

TEST(CacheControlNearAChange, MaxAgeNeverOutlivesTheVersion) {
  CacheControl cc("public, max-age=600, stale-while-revalidate=60");
  EXPECT_EQ(cc.lifetime(), 600);
  EXPECT_EQ(cc.for_remaining(kForever), "public, max-age=600, stale-while-revalidate=60");
  EXPECT_EQ(cc.for_remaining(660), cc.value());
  EXPECT_EQ(cc.for_remaining(659), "public, max-age=600, stale-while-revalidate=0");
  EXPECT_EQ(cc.for_remaining(599), "public, max-age=540, stale-while-revalidate=0");
  EXPECT_EQ(cc.for_remaining(119), "public, max-age=119, stale-while-revalidate=0");
  EXPECT_EQ(cc.for_remaining(30), "public, max-age=30, stale-while-revalidate=0");
  EXPECT_EQ(cc.for_remaining(0), "public, max-age=0, stale-while-revalidate=0");
  EXPECT_EQ(cc.for_remaining(-5), "public, max-age=0, stale-while-revalidate=0");
  // Never more than the seconds left, at every second up to the horizon.
  for (Seconds left = 0; left < 700; ++left) {
    const std::string& v = cc.for_remaining(left);
    const size_t p = v.find("max-age=");
    ASSERT_NE(p, std::string::npos);
    const Seconds age = std::stoll(v.substr(p + 8));
    const size_t q = v.find("stale-while-revalidate=");
    const Seconds stale = std::stoll(v.substr(q + 23));
    ASSERT_LE(age + stale, left < 0 ? 0 : left) << left << ": " << v;
  }
  // s-maxage too; a value with no lifetime gets one; no-store stays.
  EXPECT_EQ(CacheControl("max-age=60, s-maxage=3600").for_remaining(100),
            "max-age=60, s-maxage=100");
  EXPECT_EQ(CacheControl("public").for_remaining(90 * kDay), "public, max-age=7776000");
  EXPECT_EQ(CacheControl("public").for_remaining(kForever), "public");
  EXPECT_EQ(CacheControl("").for_remaining(45), "max-age=45") << "off, near a change";
  EXPECT_EQ(CacheControl("").for_remaining(kForever), "");
  EXPECT_EQ(CacheControl("").for_end(kForever, 1000), "") << "a version with no end";
  EXPECT_EQ(CacheControl("").for_end(1045, 1000), "max-age=45");
  EXPECT_EQ(CacheControl("no-store").for_remaining(1), "no-store");
  EXPECT_EQ(CacheControl("no-store").lifetime(), 0);
  EXPECT_EQ(CacheControl("max-age=86400").for_remaining(7200 + 59), "max-age=7200");
  EXPECT_EQ(CacheControl("max-age=86400").for_remaining(3 * 3600 + 1), "max-age=10800");
}
