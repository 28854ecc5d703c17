#include "run_checker.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "process.hpp"
#include "tcpchat/body_parser.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat::test {
namespace {

const Message marker{"marker", "", "everyone has it", "d"};

std::string sender_name(std::size_t i) {
  std::string name = "s";  // not "s" + ...: GCC 12 warns falsely (-Wrestrict) of that
  name.append(std::to_string(i));
  return name;
}

}  // namespace

RunChecker::RunChecker(const std::vector<std::uint16_t>& ports) {
  for (auto port : ports) peers_.emplace_back(port);
  logs_.resize(peers_.size());
  tallies_.resize(peers_.size());
  // Everyone reads up to a marker of this run: what comes before is the history's replay.
  static int runs = 0;
  const Message sync{"sync", "", "run " + std::to_string(++runs), "sync"};
  peers_.back().send_message(sync);
  for (auto& p : peers_) {
    auto m = p.read_message();
    while (m && !(*m == sync)) m = p.read_message();
    if (!m) throw std::runtime_error("the senders did not all hear each other");
  }
}

void RunChecker::send_round() {
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    peers_[i].send_message({sender_name(i), "", std::to_string(next_), "d"});
  }
  ++next_;
}

bool RunChecker::drain(std::size_t i, std::chrono::milliseconds wait) {
  auto m = peers_[i].read_message(wait);
  if (!m) return false;
  while (m) {
    if (m->client_name == server_name) {
      Tally& t = tallies_[i];
      if (m->subject == server_subject::cluster_unavailable) {
        ++(m->message.find("outcome is unknown") != std::string::npos ? t.unknown : t.unavailable);
      } else if (m->subject == server_subject::cluster_error) {
        ++t.error;
      } else {
        notices_.push_back(m->subject + ": " + m->message);
      }
    } else {
      if (m->client_name == sender_name(i)) ++tallies_[i].echoed;
      logs_[i].push_back(std::move(*m));
    }
    m = peers_[i].read_message(std::chrono::milliseconds(1));
  }
  return true;
}

bool RunChecker::settle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto answered = [&](std::size_t i) {
    const Tally& t = tallies_[i];
    return t.echoed + t.unavailable + t.error + t.unknown >= next_;
  };
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    while (!answered(i)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      drain(i, std::chrono::milliseconds(50));
    }
  }
  peers_[0].send_message(marker);
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    while (std::find(logs_[i].begin(), logs_[i].end(), marker) == logs_[i].end()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      drain(i, std::chrono::milliseconds(50));
    }
  }
  return true;
}

std::size_t RunChecker::refused(std::string_view kind) const {
  std::size_t n = 0;
  for (const auto& t : tallies_) {
    n += kind == "unavailable" ? t.unavailable : kind == "error" ? t.error : t.unknown;
  }
  return n;
}

std::vector<std::string> RunChecker::problems(const std::vector<Message>& stream) const {
  std::vector<std::string> out;
  const auto& first = logs_[0];
  for (std::size_t i = 1; i < logs_.size(); ++i) {
    if (logs_[i] != first) {
      out.push_back("peer " + std::to_string(i) + " received " + std::to_string(logs_[i].size()) +
                    " messages, not the " + std::to_string(first.size()) + " of peer 0 in order");
    }
  }
  std::set<std::pair<std::string, std::string>> seen;
  std::map<std::string, long> last;              // by sender, its last number
  std::map<std::string, std::size_t> delivered;  // by sender, of its own messages
  for (std::size_t i = 0; i < tallies_.size(); ++i) delivered[sender_name(i)] = 0;
  for (const auto& m : first) {
    if (!seen.insert({m.client_name, m.message}).second) {
      out.push_back("a duplicate: " + m.client_name + " " + m.message);
    }
    if (delivered.count(m.client_name) == 0) continue;
    const long n = std::stol(m.message);
    auto [it, fresh] = last.try_emplace(m.client_name, n);
    if (!fresh && n <= it->second) {
      out.push_back(m.client_name + "'s " + m.message + " came after its " +
                    std::to_string(it->second));
    }
    it->second = n;
    ++delivered[m.client_name];
  }
  for (std::size_t i = 0; i < tallies_.size(); ++i) {
    const Tally& t = tallies_[i];
    const std::size_t d = delivered[sender_name(i)];
    const std::size_t refused = t.unavailable + t.error;
    if (d + refused > next_ || d + refused + t.unknown < next_) {
      out.push_back(sender_name(i) + " sent " + std::to_string(next_) + ": " + std::to_string(d) +
                    " delivered, " + std::to_string(refused) + " refused and " +
                    std::to_string(t.unknown) + " of unknown outcome do not add up");
    }
  }
  if (std::search(stream.begin(), stream.end(), first.begin(), first.end()) == stream.end()) {
    out.push_back("the log of " + std::to_string(first.size()) +
                  " messages is not a contiguous slice of the stream's " +
                  std::to_string(stream.size()));
  }
  return out;
}

std::vector<Message> read_stream(const RedisServer& redis, const std::string& room) {
  const std::string text =
      redis.cli({"--raw", "XRANGE", "tcpchat:{" + room + "}:stream", "-", "+"});
  // Every entry's `body` is one line of JSON, as the tests' messages hold no line breaks; the
  // line after the field's name.
  std::vector<Message> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line != "body" || !std::getline(in, line)) continue;
    auto decoded = decode_body(line + "\n");
    auto* m = std::get_if<Message>(&decoded);
    // One that does not decode stays, as a message no client received.
    out.push_back(m ? std::move(*m) : Message{"", "", "not a message: " + line, ""});
  }
  return out;
}

}  // namespace tcpchat::test
