#include "reload_cache.hpp"

#include <algorithm>

#include "encoding.hpp"

namespace wellknown {

void KeyFileCache::begin_load(Seconds now) {
  stop_reader();
  ++load_;
  now_ = now;
  read_ = reused_ = 0;
}

void KeyFileCache::prefetch(const std::string& path) {
  if (!in_child_ || prefetched_.count(path) != 0) return;
  FileIdentity now_id;
  auto it = entries_.find(path);
  if (it != entries_.end() && file_identity(path, &now_id) && now_id == it->second.identity) {
    // Taken over by load(): the identity seen now decides, so that the file
    // is looked at once per load.
    it->second.confirmed = load_;
    return;
  }
  prefetched_.emplace(path, reader_.request(path));
}

PublicKeyMaterial KeyFileCache::load(const std::string& path) {
  FileIdentity now_id;
  auto it = entries_.find(path);
  auto asked = prefetched_.find(path);
  if (asked == prefetched_.end() && it != entries_.end() &&
      (it->second.confirmed == load_ ||
       (file_identity(path, &now_id) && now_id == it->second.identity))) {
    it->second.load = load_;
    ++reused_;
    PublicKeyMaterial m = copy_of(*it->second.material);
    // A certificate may have expired since the file was read.
    m.warnings.erase(std::remove(m.warnings.begin(), m.warnings.end(), kExpiredLeafWarning),
                     m.warnings.end());
    if (!m.certificate_chain_der.empty() && m.not_after <= now_) {
      m.warnings.push_back(kExpiredLeafWarning);
    }
    return m;
  }
  FileIdentity read_id;
  // Throws for a bad file.
  PublicKeyMaterial material;
  if (asked != prefetched_.end()) {
    const unsigned long id = asked->second;
    prefetched_.erase(asked);
    material = reader_.take_material(id, path, &read_id);
  } else {
    material = in_child_ ? reader_.load(path, &read_id) : load_key_file(path, &read_id);
  }
  ++read_;
  if (read_id.mtime_sec + kSettle <= now_ && read_id.ctime_sec + kSettle <= now_) {
    entries_[path] = {read_id, std::make_shared<const PublicKeyMaterial>(copy_of(material)), load_};
  } else if (it != entries_.end()) {
    entries_.erase(it);
  }
  return material;
}

void KeyFileCache::end_load() {
  stop_reader();
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.load == load_ ? std::next(it) : entries_.erase(it);
  }
}

std::shared_ptr<const Response> ResponseCache::get(std::string body, bool jwk_set) {
  // The ETag (128 bits of SHA-256) finds the response; the bytes decide.
  std::string etag = entity_tag(body);
  std::string key = (jwk_set ? "j" : "d") + etag;
  auto it = by_digest_.find(key);
  if (it != by_digest_.end()) {
    if (auto held = it->second.lock(); held && held->body == body) return held;
  }
  Response r = make_response(std::move(body), std::move(etag));
  r.jwk_set = jwk_set;
  auto made = std::make_shared<const Response>(std::move(r));
  by_digest_[std::move(key)] = made;
  return made;
}

void ResponseCache::prune() {
  for (auto it = by_digest_.begin(); it != by_digest_.end();) {
    it = it->second.expired() ? by_digest_.erase(it) : std::next(it);
  }
}

}  // namespace wellknown
