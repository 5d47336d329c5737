// Everything the module builds at config load for one configuration
// generation: the key sets, what each server answers, and the module's own
// error responses. The adapter owns one per generation and frees it when
// nginx retires the configuration after a reload.
#pragma once

#include <deque>

#include "cache_control.hpp"
#include "findings.hpp"
#include "reload_cache.hpp"
#include "key_sets.hpp"
#include "response.hpp"
#include "server.hpp"

namespace wellknown {

class Configuration {
 public:
  // With `caches`, key files and responses are taken over from earlier
  // generations where unchanged (ReloadCaches).
  explicit Configuration(ReloadCaches* caches = nullptr)
      : caches_(caches),
        method_not_allowed_(make_error_response(
            "method_not_allowed", "this resource supports GET, HEAD and OPTIONS only")),
        not_found_(make_error_response("not_found",
                                       "no discovery document is served at this path")) {
    if (caches_) key_sets_.use_cache(&caches_->responses, &caches_->key_sets);
  }

  KeySets& key_sets() { return key_sets_; }
  // Every distinct Cache-Control value, with what it becomes near a change.
  CacheControls& cache_controls() { return cache_controls_; }
  const KeySets& key_sets() const { return key_sets_; }

  // Warnings from every server's build, reported together once all are
  // built.
  Findings& findings() { return findings_; }

  // A server{} with issuers or resources; the reference stays valid.
  Server& add_server() {
    return servers_.emplace_back(caches_ ? &caches_->responses : nullptr,
                                 caches_ ? &caches_->blocks : nullptr);
  }

  // The key file cache to read key files through, or null.
  KeyFileCache* key_files() { return caches_ ? &caches_->key_files : nullptr; }

  const Response& method_not_allowed() const { return method_not_allowed_; }
  const Response& not_found() const { return not_found_; }

 private:
  ReloadCaches* caches_;
  KeySets key_sets_;
  CacheControls cache_controls_;
  Findings findings_;
  std::deque<Server> servers_;
  Response method_not_allowed_;
  Response not_found_;
};

}  // namespace wellknown
