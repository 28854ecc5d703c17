#pragma once

#include <chrono>
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

#include "core/time.hpp"

namespace tcpchat {

// Failed authentications by address: past `failures_allowed` within `window`, an address is
// throttled (every attempt refused, good tokens too) until its window has passed. The table
// keeps the `capacity` addresses that failed most recently, so a scan of many addresses cannot
// grow it.
class AuthThrottle {
 public:
  static constexpr std::size_t failures_allowed = 5;
  static constexpr std::chrono::seconds window{60};
  static constexpr std::size_t capacity = 4096;

  // `key`: the address, an IPv6 one by its /64 (the caller makes it).
  bool throttled(const std::string& key, SteadyTime now) const;
  void failed(const std::string& key, SteadyTime now);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    SteadyTime since;  // the start of the current window
    std::size_t failures = 0;
    std::list<std::string>::iterator in_order;
  };
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // least recently failed first
};

}  // namespace tcpchat
