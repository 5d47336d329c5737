#include "core/reload_cache.hpp"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>

#include "core/jwk.hpp"
#include "core/key_sets.hpp"
#include "keys.hpp"

using namespace wellknown;
using testkeys::TempFile;

namespace {

std::string kid_of(const PublicKeyMaterial& m) { return make_jwk(m, {}).kid; }

// Sets the file's modification time (its change time moves to now).
void touch(const std::string& path, time_t mtime) {
  struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

}  // namespace

// A file is taken over while its identity is unchanged, and read again
// when it changes: rewritten in place (times move), replaced by a rename
// (another inode), or reached through a swapped symlink.
TEST(KeyFileCache, UnchangedFilesAreTakenOverChangedOnesRead) {
  auto k1 = testkeys::generate("EC", "P-256");
  auto k2 = testkeys::generate("EC", "P-256");
  TempFile f(testkeys::pkcs8(k1.get()));
  const time_t later = time(nullptr) + 60;  // loads a minute on: the file has settled
  KeyFileCache cache;

  cache.begin_load(later);
  std::string kid1 = kid_of(cache.load(f.path));
  EXPECT_EQ(cache.read(), 1u);
  cache.end_load();

  cache.begin_load(later);
  PublicKeyMaterial again = cache.load(f.path);
  EXPECT_EQ(kid_of(again), kid1);
  EXPECT_EQ(cache.reused(), 1u);
  EXPECT_EQ(cache.read(), 0u);
  EXPECT_TRUE(again.had_private_key);
  EXPECT_EQ(again.key, nullptr);  // kept as the EC point: no private key anywhere
  EXPECT_EQ(again.ec_curve, "P-256");
  cache.end_load();

  // Rewritten in place with a key of the same size, one second later.
  std::ofstream(f.path) << testkeys::pkcs8(k2.get());
  touch(f.path, time(nullptr) - 30);
  cache.begin_load(later);
  EXPECT_NE(kid_of(cache.load(f.path)), kid1);
  EXPECT_EQ(cache.read(), 1u);
  cache.end_load();

  // Replaced by a rename: another inode.
  std::string next = f.path + ".next";
  std::ofstream(next) << testkeys::pkcs8(k1.get());
  ASSERT_EQ(std::rename(next.c_str(), f.path.c_str()), 0);
  cache.begin_load(later);
  EXPECT_EQ(kid_of(cache.load(f.path)), kid1);
  EXPECT_EQ(cache.read(), 1u);
  cache.end_load();

  // Through a symlink, swapped to another file.
  std::string other = f.path + ".other", linked = f.path + ".linked";
  std::ofstream(other) << testkeys::pkcs8(k2.get());
  ASSERT_EQ(symlink(f.path.c_str(), linked.c_str()), 0);
  cache.begin_load(later);
  EXPECT_EQ(kid_of(cache.load(linked)), kid1);
  cache.end_load();
  std::string tmp = linked + ".tmp";
  ASSERT_EQ(symlink(other.c_str(), tmp.c_str()), 0);
  ASSERT_EQ(std::rename(tmp.c_str(), linked.c_str()), 0);
  cache.begin_load(later);
  EXPECT_NE(kid_of(cache.load(linked)), kid1);
  EXPECT_EQ(cache.read(), 1u);
  cache.end_load();
  std::remove(linked.c_str());
  std::remove(other.c_str());
}

// A file changed less than kSettle seconds before the load is read at
// every load: a second write in the same clock tick could keep its times.
TEST(KeyFileCache, RecentlyChangedFilesAreNotKept) {
  auto k = testkeys::generate("EC", "P-256");
  TempFile f(testkeys::pkcs8(k.get()));
  KeyFileCache cache;
  for (int i = 0; i < 2; ++i) {
    cache.begin_load(time(nullptr));
    cache.load(f.path);
    EXPECT_EQ(cache.read(), 1u) << i;
    EXPECT_EQ(cache.reused(), 0u) << i;
    cache.end_load();
  }
  EXPECT_EQ(cache.size(), 0u);
}

// A load forgets the files it did not name; a bad file is an error every
// time, never a cached success.
TEST(KeyFileCache, LoadsForgetFilesNoLongerNamed) {
  auto k = testkeys::generate("EC", "P-256");
  TempFile a(testkeys::pkcs8(k.get()));
  TempFile b(testkeys::spki(k.get()));
  TempFile bad("not a key\n");
  const time_t later = time(nullptr) + 60;
  KeyFileCache cache;
  cache.begin_load(later);
  cache.load(a.path);
  cache.load(b.path);
  EXPECT_THROW(cache.load(bad.path), ConfigError);
  cache.end_load();
  EXPECT_EQ(cache.size(), 2u);
  cache.begin_load(later);
  cache.load(b.path);
  EXPECT_THROW(cache.load(bad.path), ConfigError);
  cache.end_load();
  EXPECT_EQ(cache.size(), 1u);
}

// A key set without a schedule whose statements and files are unchanged is
// taken over from an earlier load: the same responses, the same warnings,
// and its JWKs made only when a document asks for them. A changed file, or
// a schedule, builds it again.
TEST(KeySetCache, UnchangedSetsAreTakenOverChangedOnesBuilt) {
  auto ec = testkeys::generate("EC", "P-256");
  auto rsa = testkeys::generate("RSA", "2048");
  TempFile a(testkeys::pkcs8(ec.get()));
  TempFile b(testkeys::spki(rsa.get()));
  const time_t later = time(nullptr) + 60;  // the files have settled
  KeyFileCache files;
  ResponseCache responses;
  KeySetCache sets;
  auto identity = [](const std::string& s) { return s; };
  // One generation: set "k" with `a` twice under two kids (a warning), and b.
  auto load = [&](const std::vector<std::string>& b_options) {
    auto gen = std::make_unique<KeySets>();
    gen->use_cache(&responses, &sets);
    files.begin_load(later);
    sets.begin_load();
    KeySet& k = gen->define("k");
    declare_key(k, "key", {a.path, "kid=one"}, identity, {"n.conf", 1}, &files);
    declare_key(k, "key", {a.path, "kid=two"}, identity, {"n.conf", 2}, &files);
    std::vector<std::string> bv{b.path};
    bv.insert(bv.end(), b_options.begin(), b_options.end());
    declare_key(k, "key", bv, identity, {"n.conf", 3}, &files);
    std::vector<LocatedWarning> w = gen->resolve(later, &files);
    files.end_load();
    return std::make_pair(std::move(gen), w);
  };
  auto body = [](const KeySets& g) { return g.get("k").timeline.at(0).response; };

  auto [first, w1] = load({});
  EXPECT_EQ(sets.built(), 1u);
  EXPECT_EQ(sets.reused(), 0u);
  ASSERT_EQ(w1.size(), 1u);
  EXPECT_NE(w1[0].message.find("the same key is already in this set"), std::string::npos)
      << w1[0].message;
  EXPECT_EQ(w1[0].origin.line, 2u);

  auto [second, w2] = load({});
  EXPECT_EQ(sets.reused(), 1u);
  EXPECT_EQ(sets.built(), 0u);
  EXPECT_EQ(body(*second), body(*first));
  ASSERT_EQ(w2.size(), 1u);
  EXPECT_EQ(w2[0].message, w1[0].message);
  EXPECT_EQ(w2[0].origin.line, 2u);
  // Its JWKs, when a document needs them, are those of the first load.
  std::vector<std::string> kids1, kids2;
  for (const auto& j : first->jwks("k").keys()) kids1.push_back(j.kid);
  for (const auto& j : second->jwks("k").keys()) kids2.push_back(j.kid);
  EXPECT_EQ(kids2, kids1);
  EXPECT_EQ(kids2, (std::vector<std::string>{"one", "two", kids1[2]}));

  // Other options on a key: built again.
  auto [third, w3] = load({"alg=PS256"});
  EXPECT_EQ(sets.reused(), 0u);
  EXPECT_NE(body(*third)->body, body(*first)->body);

  // A schedule: built at every load, never kept.
  auto [fourth, w4] = load({"publish=2020-01-01T00:00:00Z"});
  auto [fifth, w5] = load({"publish=2020-01-01T00:00:00Z"});
  EXPECT_EQ(sets.reused(), 0u);
  EXPECT_EQ(sets.built(), 1u);

  // b replaced by another key: built again, the new key served.
  auto rsa2 = testkeys::generate("RSA", "2048");
  std::ofstream(b.path, std::ios::trunc) << testkeys::spki(rsa2.get());
  auto [sixth, w6] = load({});
  EXPECT_EQ(sets.reused(), 0u);
  EXPECT_NE(body(*sixth)->body, body(*second)->body);
}

// Responses are shared by body while a configuration holds them.
TEST(ResponseCache, SameBodySameResponseWhileHeld) {
  ResponseCache cache;
  auto a = cache.get("{\"keys\":[]}");
  auto b = cache.get("{\"keys\":[]}");
  auto c = cache.get("{\"keys\":[1]}");
  EXPECT_EQ(a.get(), b.get());
  EXPECT_NE(a.get(), c.get());
  EXPECT_EQ(a->etag, make_response("{\"keys\":[]}").etag);
  a.reset();
  b.reset();
  cache.prune();
  EXPECT_EQ(cache.size(), 1u);
  auto d = cache.get("{\"keys\":[]}");
  EXPECT_EQ(d->body, "{\"keys\":[]}");
}

// The key file reader (a child process) gives what load_key_file gives, for
// every kind of key file, errors included, and leaves no process behind.
TEST(KeyFileReader, SameMaterialAsReadingHereAndNoChildLeft) {
  auto rsa = testkeys::generate("RSA", "2048");
  auto ec = testkeys::generate("EC", "P-384");
  auto ed = testkeys::generate("ED25519");
  auto cert = testkeys::certificate(ec.get(), "reader", nullptr, ec.get());
  std::vector<std::string> texts = {testkeys::pkcs8(rsa.get()), testkeys::traditional(ec.get()),
                                    testkeys::spki(ec.get()), testkeys::pkcs8(ed.get()),
                                    testkeys::cert_pem(cert.get()) + testkeys::pkcs8(ec.get())};
  KeyFileReader reader;
  for (const auto& text : texts) {
    TempFile f(text);
    FileIdentity here_id, there_id;
    PublicKeyMaterial here = load_key_file(f.path, &here_id);
    PublicKeyMaterial there = reader.load(f.path, &there_id);
    EXPECT_EQ(make_jwk(there, {}).to_json().dump(), make_jwk(here, {}).to_json().dump()) << text;
    EXPECT_EQ(there.had_private_key, here.had_private_key);
    EXPECT_EQ(there.warnings, here.warnings);
    EXPECT_TRUE(there_id == here_id);
  }
  EXPECT_EQ(reader.started(), 1u);  // one child for all the files
  TempFile bad("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  try {
    reader.load(bad.path, nullptr);
    ADD_FAILURE() << "a bad file was accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(bad.path), std::string::npos) << e.what();
  }
  pid_t child = reader.pid();
  ASSERT_GT(child, 0);
  reader.stop();
  EXPECT_EQ(reader.pid(), -1);
  EXPECT_EQ(kill(child, 0), -1);  // reaped: no such process
}

// Many requests in flight before any answer is taken (more than a batch,
// and more answers than the socket buffers hold): every answer is the one
// for its file, taken in any order, an error among them included.
TEST(KeyFileReader, RequestsInFlightAreAnsweredInOrder) {
  std::vector<std::unique_ptr<TempFile>> files;
  std::vector<std::string> kids;
  for (int i = 0; i < 8; ++i) {
    auto k = testkeys::generate("EC", "P-256");
    files.push_back(std::make_unique<TempFile>(testkeys::spki(k.get())));
    kids.push_back(kid_of(load_key_file(files.back()->path)));
  }
  TempFile bad("not a key\n");
  KeyFileReader reader;
  constexpr size_t kRequests = 3000;  // answers of ~250 bytes: more than 500 KiB
  std::vector<unsigned long> ids;
  for (size_t i = 0; i < kRequests; ++i) {
    ids.push_back(reader.request(i == 1234 ? bad.path : files[i % files.size()]->path));
  }
  // The last one first, then the rest in order.
  EXPECT_EQ(kid_of(reader.take_material(ids.back(), files[(kRequests - 1) % files.size()]->path,
                                        nullptr)),
            kids[(kRequests - 1) % files.size()]);
  for (size_t i = 0; i + 1 < kRequests; ++i) {
    const std::string& path = i == 1234 ? bad.path : files[i % files.size()]->path;
    if (i == 1234) {
      EXPECT_THROW(reader.take_material(ids[i], path, nullptr), ConfigError);
      continue;
    }
    ASSERT_EQ(kid_of(reader.take_material(ids[i], path, nullptr)), kids[i % files.size()]) << i;
  }
  EXPECT_EQ(reader.started(), 1u);
  EXPECT_THROW(reader.take_material(ids[0], files[0]->path, nullptr), ConfigError)
      << "an answer is taken once";
  reader.stop();
}
