#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cluster/cluster_settings.hpp"
#include "cluster/redis_connection.hpp"
#include "cluster/stream_entries.hpp"
#include "core/cluster_order.hpp"
#include "core/cluster_stats.hpp"
#include "core/journal.hpp"
#include "core/sequencer.hpp"

namespace tcpchat {

// What the cluster tells the node it serves.
struct ClusterHooks {
  // The stream's newest entries, oldest first, once the reader first reaches Redis: they replace
  // the history ring, which holds the history file's messages if Redis was unreachable at start.
  std::function<void(std::span<const Message> messages)> history;
  // A notice for every client of this node (subject HistoryGap).
  std::function<void(const std::string& text)> announce;
};

// The order of a node in a cluster: every message goes to Redis, which appends it to the room's
// stream with the next sequence number (append.lua), and only what is read back from the stream
// is recorded in the journal and delivered, this node's own messages included. So every node
// delivers one order, and nothing that Redis did not append. Two connections: the writer
// pipelines the appends (one node's FIFO), the reader follows the stream. While either is down,
// new messages are refused at once; what was sent and not confirmed is retried on the next
// writer, and Redis' dedupe keeps it once.
class ClusterSequencer final : public Sequencer {
 public:
  ClusterSequencer(boost::asio::io_context& io, OrderedSink& sink, Journal* journal,
                   ClusterSettings settings, ClusterHooks hooks);
  ~ClusterSequencer() override;
  ClusterSequencer(const ClusterSequencer&) = delete;
  ClusterSequencer& operator=(const ClusterSequencer&) = delete;

  // Connects. `settled` runs once the first attempt of both connections has ended, either way.
  void start(std::function<void()> settled);
  // Closes the link; later submissions are refused.
  void stop();
  void submit(const std::shared_ptr<Origin>& origin, std::span<const Message> messages) override;

  bool up() const { return up_; }
  // Why the node cannot take messages now, one sentence, or nothing when it can.
  std::optional<std::string> why_down() const;
  const ClusterStats& stats() const { return stats_; }
  const ClusterSettings& settings() const { return settings_; }

 private:
  using Clock = std::chrono::steady_clock;
  // A connection's generation: replies and losses of an older one are ignored.
  struct Link {
    const char* role;  // "writer" or "reader", as CLIENT LIST and the log name it
    std::shared_ptr<RedisConnection> connection;
    std::uint64_t generation = 0;
    bool ready = false;
    unsigned failures = 0;  // consecutive failed openings, for the backoff
    bool settled = false;   // its first attempt has ended
    boost::asio::steady_timer retry;
    Link(boost::asio::io_context& io, const char* role) : role(role), retry(io) {}
  };

  template <class F>
  auto guarded(F f);
  void open(Link& link);
  void opened(Link& link, std::shared_ptr<RedisConnection> c, const std::string& why);
  void lose(Link& link, const std::string& why);
  void retry_later(Link& link);

  void writer_ready();
  // Queues an append; the queue goes to Redis in batches once the loop's turn is done.
  void append(std::uint64_t counter);
  void flush();
  void send_batch(std::vector<std::uint64_t> counters);
  void on_batch(const std::vector<std::uint64_t>& counters, std::optional<RedisReply> reply);
  void send(const std::vector<std::string>& args, RedisConnection::ReplyHandler handler);
  void load_script();

  void position();
  void positioned(const RedisReply& room, StreamRead newest);
  void read_more();
  void deliver(std::vector<StreamEntry> entries);
  void note_gap(ClusterOrder::Gap gap, std::uint64_t before, const std::string& before_epoch,
                std::string_view epoch, std::uint64_t seq);

  void tick();
  void arm_tick();
  void update_up(const std::string& why);
  void refuse_now(const std::shared_ptr<Origin>& origin, std::span<const Message> messages);
  void relieve();
  void log_error_reply(const std::string& text);
  void settle(Link& link);

  boost::asio::io_context& io_;
  ClusterSettings settings_;
  ClusterHooks hooks_;
  Journal* journal_;
  std::string instance_;  // drawn at each start: this run's appends are told from the last's
  ClusterOrder order_;
  // 128 random bits drawn for each writer connection; each append offers them with its counter,
  // so that a room emptied under a live connection gets a new epoch too.
  std::string epoch_offer_;
  std::string sha_;  // of append.lua, once loaded on the current writer
  bool script_loading_ = false;
  std::vector<std::uint64_t> batch_;  // counters to append at the end of the loop's turn
  Link writer_;
  Link reader_;
  std::deque<Clock::time_point> writer_sent_;  // the writer's commands awaiting replies
  Clock::time_point writer_idle_since_;
  boost::asio::steady_timer reader_deadline_;
  boost::asio::steady_timer tick_timer_;
  std::string last_id_;  // the stream entry read last; empty before the first position
  bool up_ = false;
  bool stopped_ = false;
  Clock::time_point down_since_;
  std::string down_why_;
  std::uint64_t refused_while_down_ = 0;
  std::vector<std::weak_ptr<Origin>> paused_;
  std::map<std::string, Clock::time_point> error_logged_;  // by the error reply's first word
  bool told_down_ = false;                                 // the outage was logged
  std::function<void()> settled_;
  std::shared_ptr<int> life_ = std::make_shared<int>(0);
  ClusterStats stats_;
};

}  // namespace tcpchat
