#include "server.hpp"

#include <algorithm>
#include <utility>

#include "encoding.hpp"
#include "well_known_uri.hpp"

namespace wellknown {

namespace {

// Two key sets with the same keys and windows serve the same bytes at every
// moment: as good as one set.
bool same_versions(const Timeline* a, const Timeline* b) {
  if (a == b) return true;
  if (a == nullptr || b == nullptr) return false;
  const auto& x = a->versions();
  const auto& y = b->versions();
  return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](const Version& v, const Version& w) {
    return v.from == w.from && v.until == w.until && v.response == w.response;
  });
}

}  // namespace

std::shared_ptr<const BuiltBlock> Server::build_block(const DiscoveryBlock& block,
                                                      const KeySet* keys, KeySets& key_sets) {
  std::string digest;
  if (block_cache_) {
    if (!block.reusable()) {
      block_cache_->count_built();
    } else {
      // The block's own input, then what it uses of its key set: every
      // version of the JWK Set it serves (jwks_uri, the signing algs).
      std::string input = block.input();
      input += keys ? "\nkeys" : "\nno keys";
      if (keys) {
        for (const Version& v : keys->timeline.versions()) {
          input += ' ' + std::to_string(v.from) + ' ' + std::to_string(v.until) + ' ' +
                   v.response->etag;
        }
      }
      digest = sha256(input);
      if (auto held = block_cache_->find(digest)) return held;
    }
  }
  DiscoveryDocuments docs =
      build_discovery(block.config(), keys ? &key_sets.jwks(block.key_set()) : nullptr);
  auto built = std::make_shared<BuiltBlock>();
  built->documents.reserve(docs.documents.size());
  for (auto& d : docs.documents) {
    std::shared_ptr<const Response> r =
        cache_ ? cache_->get(std::move(d.body))
               : std::make_shared<const Response>(make_response(std::move(d.body)));
    const Response* raw = r.get();
    built->documents.push_back({std::move(r), Timeline(raw), std::move(d.paths)});
  }
  built->jwks_paths = std::move(docs.jwks_paths);
  if (!docs.warnings.empty()) {
    std::string joined;
    for (const auto& w : docs.warnings) joined += w + '\n';
    auto& shared = warning_lists_[joined];
    if (!shared) shared = std::make_shared<const std::vector<std::string>>(std::move(docs.warnings));
    built->warnings = shared;
  }
  built->given_jwks_route = std::move(docs.given_jwks_route);
  built->resource_route = std::move(docs.resource_route);
  built->resource_metadata_url = std::move(docs.resource_metadata_url);
  if (!digest.empty()) block_cache_->keep(digest, built);
  return built;
}

DiscoveryBlock& Server::open(Role role, const std::string& identifier, Origin origin) {
  std::string kind = role == Role::Issuer ? "issuer" : "resource";
  if (!declared_.insert(kind + " " + identifier).second) {
    throw ConfigError(kind + " \"" + identifier + "\" is already defined in this server");
  }
  blocks_.push_back({DiscoveryBlock(role, identifier), std::move(origin)});
  return blocks_.back().block;
}

Findings Server::build(KeySets& key_sets, CacheControls& cache_controls,
                       const CacheControl& server_cache_control, bool not_found) {
  not_found_ = not_found;
  struct GivenJwks {
    const Block* block;
    std::string route;
    const Timeline* own;  // null: the block has no key set
  };
  std::vector<GivenJwks> given_jwks;
  Findings warnings;
  const Block* current = nullptr;
  auto name = [](const Block& b) {
    return std::string(b.block.directive()) + " \"" + b.block.config().identifier + "\"";
  };
  try {
    for (const Block& b : blocks_) {
      current = &b;
      const DiscoveryConfig& config = b.block.config();
      const KeySet* keys = b.block.key_set().empty() ? nullptr : &key_sets.get(b.block.key_set());
      const BuiltBlock& docs = *built_.emplace_back(build_block(b.block, keys, key_sets));
      if (docs.warnings) {
        for (const auto& w : *docs.warnings) {
          warnings.add(name(b), config.role == Role::Issuer ? "issuers" : "resources", w, b.origin);
        }
      }
      std::string owner = (config.role == Role::Issuer ? "issuer \"" : "resource \"") +
                          config.identifier + "\"";
      const CacheControl* cache_control =
          config.cache_control ? &cache_controls.get(*config.cache_control) : nullptr;
      if (keys) keys->served_with(cache_control ? *cache_control : server_cache_control);
      for (const auto& p : docs.jwks_paths) {
        routes_.add_view(p, {&keys->timeline, cache_control}, owner + " (key set)");
      }
      for (const auto& d : docs.documents) {
        for (const auto& p : d.paths) routes_.add_view(p, {&d.timeline, cache_control}, owner);
      }
      if (docs.given_jwks_route) {
        given_jwks.push_back({&b, *docs.given_jwks_route, keys ? &keys->timeline : nullptr});
      }
      if (docs.resource_route) {
        resources_.push_back({*docs.resource_route, docs.resource_metadata_url});
      }
    }
    // A jwks_uri given on this server's own origin must not name what the
    // server serves for someone else: clients would verify tokens with
    // another issuer's keys, or read a metadata document as a JWK Set.
    for (const auto& g : given_jwks) {
      current = g.block;
      const Answer* hit = routes_.find(g.route);
      if (hit != nullptr && !same_versions(hit->timeline, g.own)) {
        throw ConfigError("jwks_uri names \"" + g.route + "\", which this server serves for " +
                          *routes_.owner(g.route));
      }
    }
  } catch (const ConfigError& e) {
    throw LocatedError(name(*current) + ": " + e.what(), current->origin);
  }
  blocks_.clear();
  declared_.clear();
  warning_lists_.clear();
  std::stable_sort(resources_.begin(), resources_.end(),
                   [](const auto& a, const auto& b) { return a.route.size() > b.route.size(); });
  return warnings;
}

std::optional<std::string> Server::exact_location(const std::string& path) {
  if (const std::string* owner = routes_.owner(path)) {
    return *owner;
  }
  if (is_discovery_path(path)) {
    routes_.add(path, {nullptr, nullptr}, "location = " + path);
  }
  return std::nullopt;
}

Route Server::route(std::string_view path) const noexcept {
  if (const Answer* hit = routes_.find(path)) {
    return hit->timeline ? Route{Route::Action::Serve, hit->timeline, hit->cache_control}
                         : Route{Route::Action::Decline, nullptr, nullptr};
  }
  return {not_found_ && is_discovery_path(path) ? Route::Action::NotFound : Route::Action::Decline,
          nullptr, nullptr};
}

const std::string* Server::resource_metadata(std::string_view path) const noexcept {
  for (const auto& r : resources_) {
    if (path.substr(0, r.route.size()) == r.route &&
        (path.size() == r.route.size() || path[r.route.size()] == '/' || r.route.empty())) {
      return &r.metadata_url;
    }
  }
  return nullptr;
}

}  // namespace wellknown
