#include "core/auth_throttle.hpp"

namespace tcpchat {

bool AuthThrottle::throttled(const std::string& key, SteadyTime now) const {
  const auto it = entries_.find(key);
  return it != entries_.end() && now - it->second.since < window &&
         it->second.failures >= failures_allowed;
}

void AuthThrottle::failed(const std::string& key, SteadyTime now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() >= capacity) {
      entries_.erase(order_.front());
      order_.pop_front();
    }
    order_.push_back(key);
    it = entries_.emplace(key, Entry{now, 0, std::prev(order_.end())}).first;
  } else {
    order_.splice(order_.end(), order_, it->second.in_order);
  }
  Entry& e = it->second;
  if (now - e.since >= window) {
    e.since = now;
    e.failures = 0;
  }
  ++e.failures;
}

}  // namespace tcpchat
