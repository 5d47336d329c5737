#include "server.hpp"

#include <utility>

#include "well_known_uri.hpp"

namespace wellknown {

DiscoveryBlock& Server::open(Role role, const std::string& identifier, Origin origin) {
  std::string kind = role == Role::Issuer ? "issuer" : "resource";
  if (!declared_.insert(kind + " " + identifier).second) {
    throw ConfigError(kind + " \"" + identifier + "\" is already defined in this server");
  }
  blocks_.push_back({DiscoveryBlock(role, identifier), std::move(origin)});
  return blocks_.back().block;
}

std::vector<LocatedWarning> Server::build(const KeySets& key_sets) {
  struct GivenJwks {
    const Block* block;
    std::string route;
    const Response* own;  // null: the block has no key set
  };
  std::vector<GivenJwks> given_jwks;
  std::vector<LocatedWarning> warnings;
  const Block* current = nullptr;
  auto name = [](const Block& b) {
    return std::string(b.block.directive()) + " \"" + b.block.config().identifier + "\"";
  };
  try {
    for (const Block& b : blocks_) {
      current = &b;
      const DiscoveryConfig& config = b.block.config();
      const KeySet* keys = b.block.key_set().empty() ? nullptr : &key_sets.get(b.block.key_set());
      DiscoveryDocuments docs = build_discovery(config, keys ? &keys->jwks : nullptr);
      for (auto& w : docs.warnings) warnings.push_back({name(b) + ": " + w, b.origin});
      std::string owner = (config.role == Role::Issuer ? "issuer \"" : "resource \"") +
                          config.identifier + "\"";
      for (const auto& p : docs.jwks_paths) {
        routes_.add(p, keys->response, owner + " (key set)");
      }
      for (auto& d : docs.documents) {
        const Response& r = responses_.emplace_back(make_response(std::move(d.body)));
        for (const auto& p : d.paths) routes_.add(p, &r, owner);
      }
      if (docs.given_jwks_route) {
        given_jwks.push_back({&b, *docs.given_jwks_route, keys ? keys->response : nullptr});
      }
    }
    // A jwks_uri given on this server's own origin must not name what the
    // server serves for someone else: clients would verify tokens with
    // another issuer's keys, or read a metadata document as a JWK Set.
    for (const auto& g : given_jwks) {
      current = g.block;
      const Response* const* hit = routes_.find(g.route);
      if (hit != nullptr && *hit != g.own) {
        throw ConfigError("jwks_uri names \"" + g.route + "\", which this server serves for " +
                          *routes_.owner(g.route));
      }
    }
  } catch (const ConfigError& e) {
    throw LocatedError(name(*current) + ": " + e.what(), current->origin);
  }
  blocks_.clear();
  declared_.clear();
  return warnings;
}

std::optional<std::string> Server::exact_location(const std::string& path) {
  if (const std::string* owner = routes_.owner(path)) {
    return *owner;
  }
  if (is_discovery_path(path)) {
    routes_.add(path, nullptr, "location = " + path);
  }
  return std::nullopt;
}

Route Server::route(std::string_view path) const noexcept {
  if (const Response* const* hit = routes_.find(path)) {
    return *hit ? Route{Route::Action::Serve, *hit} : Route{Route::Action::Decline, nullptr};
  }
  return {is_discovery_path(path) ? Route::Action::NotFound : Route::Action::Decline, nullptr};
}

}  // namespace wellknown
