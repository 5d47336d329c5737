#include "key_sets.hpp"

#include <algorithm>
#include <utility>

#include "encoding.hpp"
#include "jwk.hpp"
#include "key_file.hpp"

namespace wellknown {

Window key_window(const KeyOptions& options, const PublicKeyMaterial& material) {
  Window w;
  if (options.certificate_window) {
    if (material.certificate_chain_der.empty()) {
      throw ConfigError("window=certificate needs a certificate in the file; give the times "
                        "with publish= and retire=");
    }
    const Seconds lead = options.lead.value_or(0);
    const Seconds grace = options.grace.value_or(0);
    w.from = material.not_before - lead;
    w.until = material.not_after + grace;
    return w;
  }
  if (options.publish) w.from = *options.publish;
  if (options.retire) w.until = *options.retire;
  return w;
}

namespace {

// The checks of a `key` statement that need no file: its name, a file name,
// no variable, the options. Returns the file's full name.
std::string check_key_statement(const std::string& name, const std::vector<std::string>& values,
                                const FullName& full_name, KeyOptions* options) {
  if (name != "key") {
    throw ConfigError("unknown directive \"" + name +
                      "\" in the key set; expected: key FILE [kid=...] [alg=...] [use=...] "
                      "[key_ops=...] [x5t] [allow_weak] [publish=TIME] [retire=TIME] "
                      "[window=certificate [lead=DURATION] [grace=DURATION]];");
  }
  if (values.empty()) {
    throw ConfigError("\"key\" needs a file name: key FILE [OPTION ...];");
  }
  for (const auto& v : values) {
    if (v.find('$') != std::string::npos) {
      throw ConfigError("key \"" + v +
                        "\": variables are not expanded here; write the file name and options "
                        "themselves (keys are read once, at load)");
    }
  }
  const std::string path = full_name(values[0]);
  try {
    *options = parse_key_options({values.begin() + 1, values.end()});
  } catch (const ConfigError& e) {
    std::string what = e.what();
    throw ConfigError(what.find(path) == std::string::npos ? "key \"" + path + "\": " + what
                                                           : what);
  }
  return path;
}

// The rest of a `key` statement, with the file read: its JWK and window
// added to `set`; the warnings, each naming the file.
Warnings add_key(KeySet& set, const std::string& path, const KeyOptions& options,
                 const PublicKeyMaterial& material, Seconds now) {
  const std::string where = "key \"" + path + "\"";
  Warnings warnings;
  try {
    Jwk jwk = make_jwk(material, options);
    Window window = key_window(options, material);
    for (const auto& w : material.warnings) warnings.push_back(where + ": " + w);
    if (window.from >= window.until) {
      warnings.push_back(where + ": its window is empty (published from " +
                         format_rfc3339(window.from) + " until " + format_rfc3339(window.until) +
                         "), so it is never published");
    } else if (window.until <= now) {
      warnings.push_back(where + ": retired at " + format_rfc3339(window.until) +
                         ", before now; it is no longer published (remove the key line)");
    }
    std::string duplicate = set.configured.add(std::move(jwk));
    if (!duplicate.empty()) warnings.push_back(where + ": " + duplicate);
    set.windows.push_back(window);
  } catch (const ConfigError& e) {
    // Name the file in every message, whichever check failed.
    std::string what = e.what();
    throw ConfigError(what.find(path) == std::string::npos ? where + ": " + what : what);
  }
  return warnings;
}

PublicKeyMaterial read_key(const std::string& path, KeyFileCache* cache) {
  try {
    return cache ? cache->load(path) : load_key_file(path);
  } catch (const ConfigError& e) {
    std::string what = e.what();
    throw ConfigError(what.find(path) == std::string::npos ? "key \"" + path + "\": " + what
                                                           : what);
  }
}

}  // namespace

Warnings key_statement(KeySet& set, const std::string& name,
                       const std::vector<std::string>& values, const FullName& full_name,
                       Seconds now, KeyFileCache* cache) {
  KeyOptions options;
  const std::string path = check_key_statement(name, values, full_name, &options);
  return add_key(set, path, options, read_key(path, cache), now);
}

void declare_key(KeySet& set, const std::string& name, const std::vector<std::string>& values,
                 const FullName& full_name, Origin origin, KeyFileCache* cache) {
  PendingKey key;
  key.path = check_key_statement(name, values, full_name, &key.options);
  key.origin = std::move(origin);
  for (size_t i = 1; i < values.size(); ++i) append_field(key.input, values[i]);
  if (cache) cache->prefetch(key.path);
  set.pending.push_back(std::move(key));
}

KeySet& KeySets::define(const std::string& name, Origin origin) {
  if (name.empty()) {
    throw ConfigError("the key set name is empty");
  }
  auto [it, added] = sets_.emplace(name, nullptr);
  if (!added) {
    throw ConfigError("key set \"" + name + "\" is already defined");
  }
  it->second = std::make_unique<KeySet>();
  it->second->origin = std::move(origin);
  unresolved_.emplace_back(name, it->second.get());
  return *it->second;
}

std::string KeySets::digest_of(const KeySet& set, KeyFileCache* files) const {
  if (set_cache_ == nullptr || files == nullptr) return {};
  std::string input;
  for (const PendingKey& key : set.pending) {
    const KeyOptions& o = key.options;
    // A schedule is cut from load time on: such a set is built at every load.
    if (o.publish || o.retire || o.certificate_window) return {};
    const FileIdentity* id = files->kept(key.path);
    if (id == nullptr) return {};  // changed too recently to be kept
    append_field(input, key.path);
    input += key.input;
    for (long long v : {static_cast<long long>(id->device), static_cast<long long>(id->inode),
                        id->size, id->mtime_sec, id->mtime_nsec, id->ctime_sec, id->ctime_nsec,
                        static_cast<long long>(id->mode)}) {
      input += ' ' + std::to_string(v);
    }
    input += '\n';
  }
  return sha256(input);
}

std::vector<LocatedWarning> KeySets::resolve(Seconds now, KeyFileCache* cache) {
  now_ = now;
  std::vector<LocatedWarning> warnings;
  for (auto& [name, set] : unresolved_) {
    const std::vector<PendingKey>& pending = set->pending;
    std::vector<PublicKeyMaterial> materials;
    materials.reserve(pending.size());
    for (size_t j = 0; j < pending.size(); ++j) {
      try {
        materials.push_back(read_key(pending[j].path, cache));
      } catch (const ConfigError& e) {
        // The keys before it first, so that the first error is reported.
        for (size_t i = 0; i < j; ++i) {
          try {
            add_key(*set, pending[i].path, pending[i].options, materials[i], now);
          } catch (const ConfigError& earlier) {
            throw LocatedError(std::string("wellknown_keys: ") + earlier.what(),
                               pending[i].origin);
          }
        }
        throw LocatedError(std::string("wellknown_keys: ") + e.what(), pending[j].origin);
      }
    }
    // The file's own warnings are said again at every load (a certificate
    // may have expired since); the key's others come from its build.
    auto file_warnings = [&](size_t i) {
      for (const auto& w : materials[i].warnings) {
        warnings.push_back({"key \"" + pending[i].path + "\": " + w, pending[i].origin});
      }
    };
    const std::string digest = digest_of(*set, cache);
    if (!digest.empty()) {
      if (std::shared_ptr<const BuiltKeySet> built = set_cache_->find(digest)) {
        set->built = built;
        set->timeline = built->timeline;
        for (size_t i = 0; i < pending.size(); ++i) {
          file_warnings(i);
          if (!built->key_warnings.empty()) {
            for (const auto& w : built->key_warnings[i]) warnings.push_back({w, pending[i].origin});
          }
          set->taken.push_back({pending[i].path, pending[i].options, std::move(materials[i])});
        }
        std::vector<PendingKey>().swap(set->pending);
        continue;
      }
    }
    std::vector<std::vector<std::string>> key_warnings(pending.size());
    for (size_t i = 0; i < pending.size(); ++i) {
      try {
        Warnings w = add_key(*set, pending[i].path, pending[i].options, materials[i], now);
        file_warnings(i);
        key_warnings[i].assign(w.begin() + static_cast<std::ptrdiff_t>(materials[i].warnings.size()),
                               w.end());
        for (const auto& k : key_warnings[i]) warnings.push_back({k, pending[i].origin});
      } catch (const ConfigError& e) {
        // As nginx says it for an error at the statement's own line.
        throw LocatedError(std::string("wellknown_keys: ") + e.what(), pending[i].origin);
      }
    }
    std::vector<PendingKey>().swap(set->pending);
    try {
      seal(name, *set, now);
    } catch (const ConfigError& e) {
      throw LocatedError(std::string("wellknown_keys: ") + e.what(), set->origin);
    }
    if (!digest.empty()) {
      auto built = std::make_shared<BuiltKeySet>();
      for (const Version& v : set->timeline.versions()) {
        built->responses.push_back(*by_body_.at(std::string_view(v.response->body)));
      }
      built->timeline = set->timeline;
      if (std::any_of(key_warnings.begin(), key_warnings.end(),
                      [](const auto& w) { return !w.empty(); })) {
        built->key_warnings = std::move(key_warnings);
      }
      set_cache_->keep(digest, built);
      set->built = std::move(built);
    } else if (set_cache_) {
      set_cache_->count_built();
    }
  }
  unresolved_.clear();
  return warnings;
}

const std::shared_ptr<const Response>& KeySets::response_for(std::string body) {
  auto same = by_body_.find(body);
  if (same != by_body_.end()) {
    return *same->second;
  }
  std::shared_ptr<const Response> made;
  if (cache_) {
    made = cache_->get(std::move(body), /*jwk_set=*/true);
  } else {
    Response r = make_response(std::move(body));
    r.jwk_set = true;  // its Content-Type is the location's wellknown_jwks_type
    made = std::make_shared<const Response>(std::move(r));
  }
  const std::shared_ptr<const Response>& held = responses_.emplace_back(std::move(made));
  by_body_.emplace(std::string_view(held->body), &held);
  return held;
}

namespace {

// The keys published throughout [from, until): indexes into the set.
std::vector<size_t> published_at(const KeySet& set, Seconds at) {
  std::vector<size_t> out;
  for (size_t i = 0; i < set.windows.size(); ++i) {
    if (set.windows[i].from <= at && at < set.windows[i].until) out.push_back(i);
  }
  return out;
}

struct Span {
  Seconds from;
  Seconds until;
  std::vector<size_t> keys;
};

// The intervals over which the set's content is constant, from load time
// (`now`) on. The first one's start may lie before `now`: it is when that
// content took effect, computed from the windows alone, so every instance
// with the same configuration finds the same start whenever it loaded.
std::vector<Span> spans(const KeySet& set, Seconds now) {
  std::vector<Seconds> points;
  for (const auto& w : set.windows) {
    if (w.from != kSinceAlways) points.push_back(w.from);
    if (w.until != kForever) points.push_back(w.until);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  std::vector<Span> out;
  Seconds from = kSinceAlways;
  for (size_t i = 0; i <= points.size(); ++i) {
    Seconds until = i < points.size() ? points[i] : kForever;
    if (from == until) continue;
    std::vector<size_t> keys = published_at(set, from);
    if (!out.empty() && out.back().keys == keys) {
      out.back().until = until;  // a change point that changed nothing here
    } else {
      out.push_back({from, until, std::move(keys)});
    }
    from = until;
  }
  out.erase(std::remove_if(out.begin(), out.end(), [now](const Span& s) { return s.until <= now; }),
            out.end());
  return out;
}

JwkSet subset(const KeySet& set, const std::vector<size_t>& keys) {
  JwkSet out;
  for (size_t i : keys) out.add(set.configured.keys()[i]);
  return out;
}

std::string kid_list(const KeySet& set, const std::vector<size_t>& keys) {
  if (keys.empty()) return "no keys";
  std::string out = keys.size() == 1 ? "kid " : "kids ";
  for (size_t n = 0; n < keys.size(); ++n) {
    out += (n ? ", \"" : "\"") + set.configured.keys()[keys[n]].kid + "\"";
  }
  return out;
}

}  // namespace

void check_has_keys(const std::string& name, const KeySet& set) {
  if (set.configured.empty() && set.pending.empty()) {
    throw ConfigError("key set \"" + name + "\" has no keys; add: key FILE;");
  }
}

void KeySets::seal(const std::string& name, KeySet& set, Seconds now) {
  check_has_keys(name, set);
  std::vector<Version> versions;
  for (const Span& s : spans(set, now)) {
    Version v{s.from, s.until, response_for(subset(set, s.keys).serialize()).get(), {}};
    if (s.from != kSinceAlways) v.last_modified = format_http_date(s.from);
    versions.push_back(std::move(v));
  }
  set.timeline = Timeline(std::move(versions));
  published_from(set, now);
}

void KeySets::published_from(KeySet& set, Seconds now) {
  // Derived members (id_token_signing_alg_values_supported) name the keys
  // published now or later, so a discovery document does not change when a
  // key is published or retired: clients keep discovery documents far longer
  // than key sets, and one read before a new key's algorithm appeared would
  // refuse tokens signed with it.
  for (size_t i = 0; i < set.windows.size(); ++i) {
    const Window& w = set.windows[i];
    if (w.from < w.until && w.until > now) set.jwks.add(set.configured.keys()[i]);
  }
}

const JwkSet& KeySets::jwks(const std::string& name) {
  get(name);  // throws for an unknown set
  KeySet& set = *sets_.at(name);
  if (!set.taken.empty()) {
    // The same keys as when the set was built (the warnings were said).
    for (const TakenKey& k : set.taken) add_key(set, k.path, k.options, k.material, now_);
    std::vector<TakenKey>().swap(set.taken);
    published_from(set, now_);
  }
  return set.jwks;
}

const KeySet& KeySets::get(const std::string& name) const {
  auto it = sets_.find(name);
  if (it == sets_.end() || it->second == nullptr) {
    throw ConfigError("no key set named \"" + name + "\"; define it with wellknown_keys " + name +
                      " { key FILE; } in the http block");
  }
  it->second->used = true;
  return *it->second;
}

std::vector<LocatedWarning> KeySets::unused() const {
  std::vector<LocatedWarning> out;
  for (const auto& [name, set] : sets_) {
    if (set && !set->used) {
      out.push_back({"wellknown_keys \"" + name +
                         "\": no issuer, resource or wellknown_jwks location uses this key set",
                     set->origin});
    }
  }
  return out;
}

ScheduleReport KeySets::schedules(Seconds now) const {
  ScheduleReport report;
  for (const auto& entry : sets_) {
    const std::string& name = entry.first;
    const KeySet* set = entry.second.get();  // (a plain pointer: lambdas below capture it)
    if (!set || !set->scheduled() || !set->used) continue;
    const std::string who = "wellknown_keys \"" + name + "\"";
    for (const Span& s : spans(*set, now)) {
      report.notices.push_back({who + " schedule: from " + format_rfc3339(s.from) + " until " +
                                    format_rfc3339(s.until) + ": " + kid_list(*set, s.keys),
                                set->origin});
      if (s.keys.empty()) {
        report.warnings.push_back(
            {who + ": no key is published from " + format_rfc3339(s.from) + " until " +
                 format_rfc3339(s.until) + "; tokens cannot be verified then",
             set->origin});
      }
    }
    // Consecutive signing keys, in order of publication: the next one must
    // be out a cache lifetime before the previous one is retired, or a
    // client that fetched the set just before the new key appeared may meet
    // a token signed with it before it fetches again.
    const Seconds lifetime = set->cache_lifetime;
    if (lifetime == kForever || lifetime == 0) continue;
    std::vector<size_t> signing;
    for (size_t i = 0; i < set->windows.size(); ++i) {
      const Window& w = set->windows[i];
      if (set->configured.keys()[i].is_signing_key() && w.from < w.until) signing.push_back(i);
    }
    // (A structured binding cannot be captured in C++17: clang refuses it.)
    const std::vector<Window>& windows = set->windows;
    std::stable_sort(signing.begin(), signing.end(), [&windows](size_t a, size_t b) {
      return windows[a].from < windows[b].from;
    });
    for (size_t n = 1; n < signing.size(); ++n) {
      const Window& prev = set->windows[signing[n - 1]];
      const Window& next = set->windows[signing[n]];
      const Seconds end = std::min(prev.until, next.until);
      if (end <= now || end == kForever) continue;
      const Seconds overlap = end - next.from;
      if (overlap < lifetime) {
        report.warnings.push_back(
            {who + ": kid \"" + set->configured.keys()[signing[n]].kid + "\" is published " +
                 (overlap <= 0 ? std::string("only after")
                               : format_duration(overlap) + " before") +
                 " kid \"" + set->configured.keys()[signing[n - 1]].kid +
                 "\" is retired, less than the Cache-Control max-age (" +
                 format_duration(lifetime) +
                 "); publish it earlier so clients have it before tokens use it",
             set->origin});
      }
    }
  }
  return report;
}

void KeySets::release_build_state() {
  for (auto& [name, set] : sets_) {
    set->configured = JwkSet();
    set->jwks = JwkSet();
    std::vector<TakenKey>().swap(set->taken);
    std::vector<Window>().swap(set->windows);
  }
  by_body_ = {};
}

}  // namespace wellknown
