// The table that maps a request path to what is served there, in one hash
// lookup on the request path.
#pragma once

#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "error.hpp"

namespace wellknown {

// path -> T, built at config load, looked up per request without allocating.
template <typename T>
class RouteTable {
 public:
  // Adds `path`. The same path with the same value is accepted once more
  // (a shared key set); with another value it is a ConfigError.
  void add(const std::string& path, const T& value, const std::string& owner) {
    auto it = table_.find(path);
    if (it != table_.end()) {
      if (it->second.value == value) return;
      throw ConfigError("path \"" + path + "\" is already served for " + owners_[it->second.owner]);
    }
    // Paths come in runs per owner: store each owner's name once.
    if (owners_.empty() || owners_.back() != owner) owners_.push_back(owner);
    const std::string& stored = paths_.emplace_back(path);
    table_.emplace(std::string_view(stored), Entry{value, owners_.size() - 1});
  }

  const T* find(std::string_view path) const noexcept {
    auto it = table_.find(path);
    return it == table_.end() ? nullptr : &it->second.value;
  }

  // Who `path` is served for, as given to add(); null if it is not served.
  const std::string* owner(std::string_view path) const noexcept {
    auto it = table_.find(path);
    return it == table_.end() ? nullptr : &owners_[it->second.owner];
  }

  size_t size() const noexcept { return table_.size(); }

 private:
  struct Entry {
    T value;
    size_t owner;  // index into owners_
  };
  std::deque<std::string> paths_;  // stable storage for the views in table_
  std::deque<std::string> owners_;
  std::unordered_map<std::string_view, Entry> table_;
};

}  // namespace wellknown
