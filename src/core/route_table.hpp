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
    if (!check(path, value)) return;
    add_new(paths_.emplace_back(path), value, owner);
  }

  // The same without a copy of `path`: the caller keeps its bytes for as
  // long as the table lives.
  void add_view(std::string_view path, const T& value, const std::string& owner) {
    if (check(path, value)) add_new(path, value, owner);
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
  // False if `path` is already there with `value`; throws if with another.
  bool check(std::string_view path, const T& value) const {
    auto it = table_.find(path);
    if (it == table_.end()) return true;
    if (it->second.value == value) return false;
    throw ConfigError("path \"" + std::string(path) + "\" is already served for " +
                      owners_[it->second.owner]);
  }
  void add_new(std::string_view stored, const T& value, const std::string& owner) {
    // Paths come in runs per owner: store each owner's name once.
    if (owners_.empty() || owners_.back() != owner) owners_.push_back(owner);
    table_.emplace(stored, Entry{value, owners_.size() - 1});
  }
  std::deque<std::string> paths_;  // stable storage for the views in table_
  std::deque<std::string> owners_;
  std::unordered_map<std::string_view, Entry> table_;
};

}  // namespace wellknown
