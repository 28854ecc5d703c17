#include "cluster/cluster_sequencer.hpp"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <random>

#include "cluster/append_script.hpp"
#include "cluster/redis_link.hpp"
#include "runtime/log.hpp"
#include "runtime/units.hpp"
#include "tcpchat/body_parser.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat {
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// A connection that does not answer within this long is dead and is replaced.
constexpr auto liveness = 1000ms;
// The writer pings when it has been idle this long, so that a dead link is found before a
// message needs it.
constexpr auto ping_after = 500ms;
// How long the reader's XREAD waits for entries; silence past it plus `liveness` is death.
constexpr auto block = 1000ms;
constexpr std::string_view read_count = "64";
// How often the link checks its deadlines.
constexpr auto tick_period = 250ms;
// Reconnection waits from the first to the cap, doubling, each drawn from its upper half.
constexpr auto first_retry = 100ms;
constexpr auto last_retry = 2000ms;
// The most messages in one append: enough to pay Redis' per-command costs once for a loop turn's
// worth, few enough that one call does not hold Redis up for long.
constexpr std::size_t batch_messages = 256;

std::string random_hex(std::size_t bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::random_device random;
  std::string out;
  out.reserve(bytes * 2);
  for (std::size_t i = 0; i < bytes; ++i) {
    const auto b = static_cast<unsigned>(random() & 0xffu);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15u]);
  }
  return out;
}

std::uint64_t number(const RedisReply& r) {
  if (r.type == RedisReply::Type::integer) return static_cast<std::uint64_t>(r.integer);
  if (r.type != RedisReply::Type::string) return 0;
  std::uint64_t n = 0;
  for (char c : r.text) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

Refusal refusal(std::string_view subject, std::string text) {
  // No detail: the sequencer logs refusals itself, a line per outage or per second, not a line
  // per message.
  return {std::string(subject), std::move(text), {}};
}

// The message of a stream entry, for what needs it whole (the journal, the history ring at the
// start): an entry arrives as its frame. One that does not decode is logged and left out.
std::optional<Message> decoded(const StreamEntry& e) {
  auto result = decode_body(e.entry.frame->body());
  if (auto* m = std::get_if<Message>(&result)) return std::move(*m);
  log::error("cluster: stream entry " + std::string(e.id) +
             " is not a message: " + std::get<ProtocolError>(result).reason);
  return std::nullopt;
}

std::string seconds_since(std::chrono::steady_clock::time_point since) {
  return format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - since));
}

}  // namespace

template <class F>
auto ClusterSequencer::guarded(F f) {
  return [life = std::weak_ptr<int>(life_), f = std::move(f)](auto&&... args) mutable {
    if (!life.expired()) f(std::forward<decltype(args)>(args)...);
  };
}

ClusterSequencer::ClusterSequencer(asio::io_context& io, OrderedSink& sink, Journal* journal,
                                   ClusterSettings settings, ClusterHooks hooks)
    : io_(io),
      settings_(std::move(settings)),
      hooks_(std::move(hooks)),
      journal_(journal),
      instance_(random_hex(8)),
      order_(sink, settings_.node, instance_,
             refusal(server_subject::cluster_unavailable,
                     "the cluster's Redis did not put your message in the room's order, or lost "
                     "it; it was not delivered")),
      writer_(io, "writer"),
      reader_(io, "reader"),
      reader_deadline_(io),
      tick_timer_(io),
      down_since_(Clock::now()) {}

ClusterSequencer::~ClusterSequencer() {
  stop();
}

void ClusterSequencer::start(std::function<void()> settled) {
  settled_ = std::move(settled);
  log::info("cluster: joining room " + settings_.room + " at " + settings_.url.masked() +
            " as node " + settings_.node);
  open(writer_);
  open(reader_);
  arm_tick();
}

void ClusterSequencer::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (Link* link : {&writer_, &reader_}) {
    ++link->generation;
    link->ready = false;
    link->retry.cancel();
    if (auto c = std::exchange(link->connection, nullptr)) c->close();
  }
  reader_deadline_.cancel();
  tick_timer_.cancel();
  up_ = stats_.up = false;
}

void ClusterSequencer::settle(Link& link) {
  if (std::exchange(link.settled, true)) return;
  if (writer_.settled && reader_.settled && settled_) std::exchange(settled_, nullptr)();
}

// The link ---------------------------------------------------------------------------------

void ClusterSequencer::open(Link& link) {
  if (stopped_) return;
  const std::uint64_t generation = ++link.generation;
  auto lost = guarded([this, &link, generation](const std::string& why) {
    // hiredis is inside its disconnect callback: act once it has finished.
    asio::post(io_, guarded([this, &link, generation, why] {
                 if (generation == link.generation) lose(link, why);
               }));
  });
  auto done = guarded(
      [this, &link, generation](std::shared_ptr<RedisConnection> c, const std::string& why) {
        if (stopped_ || generation != link.generation) {
          if (c) c->close();
          return;
        }
        opened(link, std::move(c), why);
      });
  open_redis_link(io_, settings_.url, "tcpchatd:" + settings_.node + ":" + link.role, liveness,
                  std::move(lost), std::move(done));
}

void ClusterSequencer::opened(Link& link, std::shared_ptr<RedisConnection> c,
                              const std::string& why) {
  if (!c) {
    update_up("the " + std::string(link.role) + " connection failed: " + why);
    retry_later(link);
    settle(link);
    return;
  }
  link.connection = std::move(c);
  if (&link == &writer_) {
    epoch_offer_ = random_hex(16) + "-";
    writer_sent_.clear();
    sha_.clear();
    load_script();
  } else {
    position();
  }
}

void ClusterSequencer::lose(Link& link, const std::string& why) {
  ++link.generation;
  const bool was_ready = std::exchange(link.ready, false);
  if (auto c = std::exchange(link.connection, nullptr)) c->close();
  if (&link == &writer_) {
    writer_sent_.clear();
    batch_.clear();  // the next writer sends again all that is pending
    sha_.clear();
    script_loading_ = false;
  } else {
    reader_deadline_.cancel();
  }
  update_up("the " + std::string(link.role) + " connection: " + why);
  retry_later(link);
  if (!was_ready) settle(link);
}

void ClusterSequencer::retry_later(Link& link) {
  if (stopped_) return;
  const unsigned doublings = std::min(link.failures, 5u);
  ++link.failures;
  const auto cap = std::min<std::chrono::milliseconds>(first_retry * (1u << doublings), last_retry);
  // Jitter, so that nodes cut off together do not all come back in the same millisecond.
  std::uniform_int_distribution<long> draw(cap.count() / 2, cap.count());
  std::random_device random;
  link.retry.expires_after(std::chrono::milliseconds(draw(random)));
  link.retry.async_wait(guarded([this, &link](const boost::system::error_code& ec) {
    if (!ec && !stopped_) open(link);
  }));
}

void ClusterSequencer::update_up(const std::string& why) {
  const bool now_up = writer_.ready && reader_.ready && !stopped_;
  if (now_up == up_) {
    if (!up_ && !why.empty() && !told_down_) {
      // Never up since the start: said once, however often the retries fail.
      told_down_ = true;
      down_why_ = why;
      log::warning("cluster: cannot reach Redis at " + settings_.url.masked() + ": " + why +
                   "; new messages are refused until it is reachable (retrying)");
    }
    return;
  }
  up_ = now_up;
  stats_.up = up_;
  if (up_) {
    if (told_down_) {
      log::notice("cluster: Redis at " + settings_.url.masked() + " is back after " +
                  seconds_since(down_since_) + "; " + std::to_string(refused_while_down_) +
                  " message(s) refused meanwhile");
    } else {
      log::notice("cluster: in room " + settings_.room + " at " + settings_.url.masked() +
                  " as node " + settings_.node + ", from message " +
                  std::to_string(order_.last_seq()));
    }
    told_down_ = false;
    refused_while_down_ = 0;
    down_why_.clear();
    return;
  }
  down_since_ = Clock::now();
  down_why_ = why;
  told_down_ = true;
  log::warning("cluster: lost Redis at " + settings_.url.masked() + ": " + why +
               "; new messages are refused until it is back");
}

std::optional<std::string> ClusterSequencer::why_down() const {
  if (up_) return std::nullopt;
  return "the cluster's Redis at " + settings_.url.masked() + " is unreachable for " +
         seconds_since(down_since_) + (down_why_.empty() ? "" : " (" + down_why_ + ")") +
         ": new messages are refused";
}

void ClusterSequencer::arm_tick() {
  tick_timer_.expires_after(tick_period);
  tick_timer_.async_wait(guarded([this](const boost::system::error_code& ec) {
    if (!ec && !stopped_) tick();
  }));
}

void ClusterSequencer::tick() {
  const auto now = Clock::now();
  const std::size_t expired =
      order_.expire(now - settings_.timeout,
                    refusal(server_subject::cluster_unavailable,
                            "the cluster's Redis did not confirm your message within " +
                                format_duration(settings_.timeout) +
                                ", so its outcome is unknown: it may still appear, at most once"));
  if (expired > 0) {
    stats_.refused[static_cast<std::size_t>(ClusterRefusal::unknown)] += expired;
    log_error_reply("unknown " + std::to_string(expired) + " message(s) not confirmed within " +
                    format_duration(settings_.timeout));
  }
  if (writer_.connection && !writer_sent_.empty() && now - writer_sent_.front() > liveness) {
    lose(writer_, "no answer within " + format_duration(liveness));
  } else if (writer_.ready && writer_sent_.empty() && now - writer_idle_since_ >= ping_after) {
    send({"PING"}, [](std::optional<RedisReply>) {});
  }
  relieve();
  arm_tick();
}

// Appending --------------------------------------------------------------------------------

void ClusterSequencer::send(const std::vector<std::string>& args,
                            RedisConnection::ReplyHandler handler) {
  writer_sent_.push_back(Clock::now());
  const std::uint64_t generation = writer_.generation;
  writer_.connection->command(
      args,
      guarded([this, generation, handler = std::move(handler)](std::optional<RedisReply> reply) {
        if (generation != writer_.generation) return;
        if (!writer_sent_.empty()) writer_sent_.pop_front();
        writer_idle_since_ = Clock::now();
        handler(std::move(reply));
      }));
}

void ClusterSequencer::load_script() {
  script_loading_ = true;
  send({"SCRIPT", "LOAD", std::string(append_script)}, [this](std::optional<RedisReply> reply) {
    script_loading_ = false;
    if (!reply) return;
    if (reply->type != RedisReply::Type::string) {
      return lose(writer_, "SCRIPT LOAD refused: " + reply->text);
    }
    sha_ = reply->text;
    if (!writer_.ready) writer_ready();
  });
}

void ClusterSequencer::writer_ready() {
  writer_.ready = true;
  writer_.failures = 0;
  // Sent before and not confirmed: the outcome is unknown, and Redis' dedupe decides it.
  order_.for_each_pending([this](std::uint64_t counter, const Message&) { append(counter); });
  update_up("");
  settle(writer_);
}

void ClusterSequencer::append(std::uint64_t counter) {
  batch_.push_back(counter);
  if (batch_.size() == 1) asio::post(io_, guarded([this] { flush(); }));
}

void ClusterSequencer::flush() {
  // Lost meanwhile: what is still pending goes again on the next writer.
  if (!writer_.ready || !writer_.connection) return batch_.clear();
  std::vector<std::uint64_t> counters = std::exchange(batch_, {});
  for (std::size_t first = 0; first < counters.size(); first += batch_messages) {
    const std::size_t n = std::min(batch_messages, counters.size() - first);
    send_batch({counters.begin() + static_cast<std::ptrdiff_t>(first),
                counters.begin() + static_cast<std::ptrdiff_t>(first + n)});
  }
}

void ClusterSequencer::send_batch(std::vector<std::uint64_t> counters) {
  // Until the script is loaded again after a NOSCRIPT, each batch carries it whole.
  const bool whole = sha_.empty();
  std::vector<std::string> args = {whole ? "EVAL" : "EVALSHA",
                                   whole ? std::string(append_script) : sha_,
                                   "3",
                                   settings_.room_key(),
                                   settings_.stream_key(),
                                   settings_.record_key(instance_),
                                   epoch_offer_ + std::to_string(counters.front()),
                                   std::to_string(settings_.stream_length),
                                   settings_.node,
                                   instance_,
                                   std::to_string(settings_.record_lifetime().count()),
                                   ""};
  const std::size_t count_at = args.size() - 1;
  std::vector<std::uint64_t> sent;
  sent.reserve(counters.size());
  for (const std::uint64_t counter : counters) {
    const Message* m = order_.find(counter);
    if (!m) continue;  // read back or refused since it was queued
    sent.push_back(counter);
    args.insert(args.end(), {std::to_string(counter),
                             std::to_string(order_.undecided_before(counter)), encode_body(*m)});
  }
  if (sent.empty()) return;
  args[count_at] = std::to_string(sent.size());
  send(args, [this, sent = std::move(sent)](std::optional<RedisReply> reply) {
    on_batch(sent, std::move(reply));
  });
}

void ClusterSequencer::on_batch(const std::vector<std::uint64_t>& counters,
                                std::optional<RedisReply> reply) {
  // No reply: the writer was lost, and the next one retries what is still pending.
  if (!reply) return;
  if (reply->type == RedisReply::Type::array) {
    // 0: not appended, as the message before it had not gone in (ORDER). Replies come in order,
    // so sending each again as its reply comes keeps the order of the first sends.
    for (std::size_t i = 0; i < counters.size() && i + 1 < reply->elements.size(); ++i) {
      if (reply->elements[i + 1].integer == 0) append(counters[i]);
    }
    return;
  }
  if (reply->type != RedisReply::Type::error) return;
  if (reply->text.starts_with("NOSCRIPT")) {
    sha_.clear();
    if (!script_loading_) load_script();
    for (const std::uint64_t counter : counters) append(counter);
    return;
  }
  // The script stops at its first write when Redis refuses it, so none of the batch went in.
  stats_.refused[static_cast<std::size_t>(ClusterRefusal::error)] += counters.size();
  log_error_reply(reply->text);
  const Refusal why =
      refusal(server_subject::cluster_error, "the cluster's Redis refused your message (" +
                                                 reply->text + "), so it was not delivered");
  for (const std::uint64_t counter : counters) order_.refuse(counter, why);
  relieve();
}

void ClusterSequencer::log_error_reply(const std::string& text) {
  const std::string kind = text.substr(0, text.find(' '));
  const auto now = Clock::now();
  auto [it, fresh] = error_logged_.try_emplace(kind, now);
  if (!fresh && now - it->second < 1s) return;
  it->second = now;
  log::error("cluster: a message was refused: " + text +
             " (logged at most once a second for each kind; tcpchat_cluster_refused_total "
             "counts every one)");
}

void ClusterSequencer::submit(const std::shared_ptr<Origin>& origin,
                              std::span<const Message> messages) {
  if (messages.empty()) return;
  if (!up_) return refuse_now(origin, messages);
  const auto now = Clock::now();
  for (const Message& m : messages) append(order_.submit(origin, m, now));
  stats_.pending_bytes = order_.pending_bytes();
  if (origin && order_.pending_bytes() >= settings_.max_pending_bytes) {
    if (log::enabled(log::Level::debug)) {
      log::debug("cluster: " + std::to_string(order_.pending_bytes()) +
                 " bytes await Redis, past cluster-max-pending-bytes: not reading from " +
                 origin->peer() + " for now");
    }
    origin->pause_reading();
    paused_.push_back(origin);
  }
}

void ClusterSequencer::refuse_now(const std::shared_ptr<Origin>& origin,
                                  std::span<const Message> messages) {
  stats_.refused[static_cast<std::size_t>(ClusterRefusal::unavailable)] += messages.size();
  refused_while_down_ += messages.size();
  if (!origin) return;
  const Refusal why = refusal(server_subject::cluster_unavailable,
                              "the cluster's Redis is unreachable, so your message was not sent; "
                              "try again later");
  // Through the order: told at once, unless an earlier message of the sender is undecided.
  const auto now = Clock::now();
  for (const Message& m : messages) order_.submit_refused(origin, m, why, now);
}

void ClusterSequencer::relieve() {
  stats_.pending_bytes = order_.pending_bytes();
  if (paused_.empty() || order_.pending_bytes() >= settings_.max_pending_bytes / 2) return;
  for (const auto& weak : std::exchange(paused_, {})) {
    if (auto origin = weak.lock()) origin->resume_reading();
  }
}

// Reading ----------------------------------------------------------------------------------

void ClusterSequencer::position() {
  const std::uint64_t generation = reader_.generation;
  // The first time the reader reaches Redis, at start or after a start without it, the newest
  // entries fill the history; later only the newest is needed.
  const std::size_t count = last_id_.empty() ? std::max<std::size_t>(settings_.history, 1) : 1;
  reader_deadline_.expires_after(liveness);
  reader_deadline_.async_wait(guarded([this, generation](const boost::system::error_code& ec) {
    if (!ec && generation == reader_.generation) {
      lose(reader_, "no answer within " + format_duration(liveness));
    }
  }));
  auto room = std::make_shared<RedisReply>();
  reader_.connection->command({"HMGET", settings_.room_key(), "epoch", "seq"},
                              guarded([room](std::optional<RedisReply> reply) {
                                if (reply) *room = std::move(*reply);
                              }));
  reader_.connection->command_view(
      {"XREVRANGE", settings_.stream_key(), "+", "-", "COUNT", std::to_string(count)},
      guarded([this, generation, room](const redisReply* reply) {
        if (generation != reader_.generation || !reply) return;
        reader_deadline_.cancel();
        if (room->type != RedisReply::Type::array || room->elements.size() != 2 ||
            reply->type == REDIS_REPLY_ERROR) {
          return lose(reader_, "cannot read the room's position: " +
                                   (room->type == RedisReply::Type::error
                                        ? room->text
                                        : std::string(reply->str, reply->len)));
        }
        positioned(*room, parse_entries(*reply));
      }));
}

void ClusterSequencer::positioned(const RedisReply& room, StreamRead read) {
  const std::string epoch =
      room.elements[0].type == RedisReply::Type::string ? room.elements[0].text : "";
  const std::uint64_t seq = number(room.elements[1]);
  if (last_id_.empty()) {
    if (read.entries.empty()) {
      last_id_ = "0-0";
      order_.resume(epoch, seq);
    } else {
      const StreamEntry& top = read.entries.front();
      last_id_ = top.id;
      order_.resume(top.epoch, top.entry.seq);
    }
    if (hooks_.history) {
      std::vector<Message> messages;
      messages.reserve(read.entries.size());
      for (auto it = read.entries.rbegin(); it != read.entries.rend(); ++it) {
        if (auto m = decoded(*it)) messages.push_back(std::move(*m));
      }
      hooks_.history(messages);
    }
  } else {
    const std::uint64_t before = order_.last_seq();
    const std::string before_epoch = order_.epoch();
    const auto gap = order_.resume(epoch, seq);
    // A new room: its stream is read from its start.
    if (gap == ClusterOrder::Gap::epoch) last_id_ = "0-0";
    note_gap(gap, before, before_epoch, epoch, seq);
  }
  reader_.ready = true;
  reader_.failures = 0;
  update_up("");
  settle(reader_);
  read_more();
}

void ClusterSequencer::read_more() {
  const std::uint64_t generation = reader_.generation;
  reader_deadline_.expires_after(block + liveness);
  reader_deadline_.async_wait(guarded([this, generation](const boost::system::error_code& ec) {
    if (!ec && generation == reader_.generation) {
      lose(reader_, "no answer within " + format_duration(block + liveness) + " to XREAD");
    }
  }));
  reader_.connection->command_view(
      {"XREAD", "COUNT", std::string(read_count), "BLOCK", std::to_string(block.count()), "STREAMS",
       settings_.stream_key(), last_id_},
      guarded([this, generation](const redisReply* reply) {
        if (generation != reader_.generation || !reply) return;
        reader_deadline_.cancel();
        if (reply->type == REDIS_REPLY_ERROR) {
          return lose(reader_, "XREAD refused: " + std::string(reply->str, reply->len));
        }
        StreamRead read = parse_xread(*reply);
        for (const auto& problem : read.problems) {
          log::error("cluster: skipping a stream entry that no node wrote: " + problem);
        }
        if (!read.last_id.empty()) last_id_ = read.last_id;
        deliver(std::move(read.entries));
        read_more();
      }));
}

void ClusterSequencer::deliver(std::vector<StreamEntry> entries) {
  if (entries.empty()) return;
  if (journal_) {
    std::vector<Message> messages;
    messages.reserve(entries.size());
    for (const auto& e : entries) {
      if (auto m = decoded(e)) messages.push_back(std::move(*m));
    }
    if (auto error = journal_->record(messages)) {
      // Too late to refuse: every other node delivers them in this order.
      log::error("cluster: " + *error + "; " + std::to_string(messages.size()) +
                 " message(s) delivered anyway, as Redis has put them in the room's order");
    }
  }
  const auto now = Clock::now();
  for (const auto& e : entries) {
    if (const auto gap = order_.gap_before(e.epoch, e.entry.seq); gap != ClusterOrder::Gap::none) {
      note_gap(gap, order_.last_seq(), order_.epoch(), e.epoch, e.entry.seq);
    }
    const auto read = order_.read(e.epoch, e.entry);
    stats_.refused[static_cast<std::size_t>(ClusterRefusal::unknown)] += read.skipped;
    if (read.submitted) {
      stats_.append_seconds.observe(std::chrono::duration<double>(now - *read.submitted).count());
    }
  }
  relieve();
}

void ClusterSequencer::note_gap(ClusterOrder::Gap gap, std::uint64_t before,
                                const std::string& before_epoch, std::string_view epoch,
                                std::uint64_t seq) {
  using Gap = ClusterOrder::Gap;
  if (gap == Gap::none) return;
  ++stats_.gaps[static_cast<std::size_t>(gap) - 1];
  std::string log_line, notice;
  switch (gap) {
    case Gap::trim:
      log_line = "messages " + std::to_string(before + 1) + " to " + std::to_string(seq - 1) +
                 " were trimmed from the stream before this node read them";
      notice = "messages " + std::to_string(before + 1) + " to " + std::to_string(seq - 1) +
               " of the room are missing here: Redis dropped them before this server read them";
      break;
    case Gap::rewind:
      log_line = "Redis went back to message " + std::to_string(seq) +
                 " after this node had delivered up to " + std::to_string(before) +
                 ": it lost its last writes";
      notice = "the cluster's Redis lost the room's last messages (after " + std::to_string(seq) +
               ", up to " + std::to_string(before) + "): the room goes on from there";
      break;
    default:
      log_line = "the room's epoch changed from " + before_epoch + " to " +
                 (epoch.empty() ? std::string("none yet") : std::string(epoch)) +
                 " after message " + std::to_string(before) + ": Redis lost the room";
      notice = "the cluster's Redis lost the room's history after message " +
               std::to_string(before) + ": the room starts again from there";
  }
  log::warning("cluster: " + log_line + "; going on from there");
  if (hooks_.announce) hooks_.announce(notice);
}

}  // namespace tcpchat
