// What the module answers in one nginx server{}: the issuers and protected
// resources declared there, assembled into one table from request path to
// precomputed response.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "discovery_block.hpp"
#include "error.hpp"
#include "findings.hpp"
#include "key_sets.hpp"
#include "cache_control.hpp"
#include "reload_cache.hpp"
#include "response.hpp"
#include "timeline.hpp"
#include "route_table.hpp"

namespace wellknown {

// What to do with a request, by its path.
struct Route {
  enum class Action {
    Decline,   // not the module's: the server's locations handle it
    Serve,     // answer with `response`
    NotFound,  // a discovery path nothing here serves: the module's JSON 404
  };
  Action action;
  const Timeline* timeline;            // Serve only: pick the version for the time
  const CacheControl* cache_control;  // Serve: the block's own value; null: the location's
};

class Server {
 public:
  // With a `cache`, documents' responses are shared with other generations;
  // with `blocks`, a block unchanged since an earlier generation (the same
  // input() and key set content) is taken over from it, not built again.
  explicit Server(ResponseCache* cache = nullptr, BlockCache* blocks = nullptr)
      : cache_(cache), block_cache_(blocks) {}

  // Starts a wellknown_issuer or wellknown_resource block written at
  // `origin`. Throws ConfigError if the identifier is already defined in
  // this server.
  DiscoveryBlock& open(Role role, const std::string& identifier, Origin origin);

  // Builds every document of every block, now that all key sets are known,
  // and fills the route table. Throws LocatedError naming the block;
  // returns the warnings, by block (Findings groups alike ones).
  // `cache_controls`: where a block's own cache_control value is kept.
  // `server_cache_control`: the server's wellknown_cache_control, which a
  // block without its own most likely answers with (for the key schedule's
  // checks). `not_found`: answer a discovery path that nothing here serves
  // with the module's JSON 404 (wellknown_not_found on), rather than leave
  // it to the server's locations.
  Findings build(KeySets& key_sets, CacheControls& cache_controls,
                 const CacheControl& server_cache_control, bool not_found = false);

  // An exact-match location (`location = PATH`) of this server, after
  // build(). Returns whom the module serves PATH for: such a location never
  // runs. Otherwise, if PATH is a discovery path, its requests are left to
  // the location rather than answered with the JSON 404.
  std::optional<std::string> exact_location(const std::string& path);

  // The request path: one hash lookup, no allocation.
  Route route(std::string_view path) const noexcept;

  // The metadata URL of the protected resource `path` falls under: the one
  // whose identifier's path is the longest prefix of it, segment by
  // segment. Null if none. For the $wellknown_resource_metadata variable.
  const std::string* resource_metadata(std::string_view path) const noexcept;

 private:
  struct Block {
    DiscoveryBlock block;
    Origin origin;
  };
  std::deque<Block> blocks_;                   // until build(); stable references
  std::unordered_set<std::string> declared_;  // "issuer URL" / "resource URL"
  struct Answer {
    const Timeline* timeline;  // null: a discovery path an exact-match location claims
    const CacheControl* cache_control;
    bool operator==(const Answer& o) const {
      return timeline == o.timeline && cache_control == o.cache_control;
    }
  };
  struct ProtectedResource {
    std::string route;  // decoded identifier path, "" for the root
    std::string metadata_url;
  };
  std::shared_ptr<const BuiltBlock> build_block(const DiscoveryBlock& block, const KeySet* keys,
                                                KeySets& key_sets);

  ResponseCache* cache_ = nullptr;
  BlockCache* block_cache_ = nullptr;
  std::vector<std::shared_ptr<const BuiltBlock>> built_;  // what the table points into
  // While building: the warning lists of the blocks built, by their text.
  std::unordered_map<std::string, std::shared_ptr<const std::vector<std::string>>> warning_lists_;
  RouteTable<Answer> routes_;
  std::vector<ProtectedResource> resources_;  // longest route first
  bool not_found_ = false;
};

}  // namespace wellknown
