#include "findings.hpp"

#include <algorithm>
#include <utility>

namespace wellknown {

namespace {

std::string located(const Origin& o) { return o.file + ":" + std::to_string(o.line); }

}  // namespace

void Findings::add(const std::string& subject, const char* kind, const std::string& finding,
                   const Origin& origin) {
  auto [it, added] = index_.try_emplace(std::string(kind) + '\n' + finding, groups_.size());
  if (added) {
    groups_.push_back({kind, finding, subject, {}, 0});
  }
  Group& g = groups_[it->second];
  if (g.origins.size() < kMaxOrigins) g.origins.push_back(origin);
  ++g.count;
}

void Findings::merge(Findings&& other) {
  for (Group& o : other.groups_) {
    auto [it, added] = index_.try_emplace(std::string(o.kind) + '\n' + o.finding, groups_.size());
    if (added) {
      groups_.push_back(std::move(o));
      continue;
    }
    Group& g = groups_[it->second];
    for (Origin& origin : o.origins) {
      if (g.origins.size() < kMaxOrigins) g.origins.push_back(std::move(origin));
    }
    g.count += o.count;
  }
  other.clear();
}

std::vector<std::string> Findings::lines(size_t shown) const {
  std::vector<std::string> out;
  for (const Group& g : groups_) {
    if (g.count == 1) {
      out.push_back(g.first_subject + ": " + g.finding + " in " + located(g.origins[0]));
      continue;
    }
    std::string line = std::to_string(g.count) + " " + g.kind + ": " + g.finding + " in ";
    size_t listed = std::min({shown, g.origins.size(), g.count});
    if (listed == 0) listed = 1;
    for (size_t i = 0; i < listed; ++i) {
      if (i) line += ", ";
      line += located(g.origins[i]);
    }
    if (g.count > listed) line += " and " + std::to_string(g.count - listed) + " more";
    out.push_back(std::move(line));
  }
  return out;
}

void Findings::clear() {
  groups_.clear();
  index_.clear();
}

}  // namespace wellknown
