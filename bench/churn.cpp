#include "churn.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <cmath>

#include "tcpchat/encode.hpp"

namespace tcpchat::bench {
namespace {

// Often enough that leaves are spread over time, and that the drain notices soon when all that
// is owed has arrived.
constexpr auto tick_period = std::chrono::milliseconds(10);

}  // namespace

Churn::Churn(boost::asio::io_context& io, Fleet& fleet, Waiter& waiter, const Options& options,
             const MarkerCodec& marker, const Message& base, Traffic& traffic)
    : fleet_(fleet),
      waiter_(waiter),
      options_(options),
      marker_(marker),
      traffic_(traffic),
      io_(io),
      timer_(io),
      message_{base.client_name, "churn", "", base.date},
      random_(options.seed),
      clients_(fleet.size()) {
  // Period 0 of every connection is the receiver the traffic gave it.
  for (std::size_t i = 0; i < clients_.size(); ++i) clients_[i].periods.push_back(i);
}

void Churn::start() {
  last_tick_ = Clock::now();
  arm();
}

void Churn::stop() {
  stopped_ = true;
}

void Churn::arm() {
  timer_.expires_after(tick_period);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) tick();
  });
}

void Churn::tick() {
  // A busy loop runs the ticks late: the chance to leave follows the time that really passed, so
  // that each client leaves at --churn per second on average whatever the load.
  const auto now = Clock::now();
  const double elapsed_s = std::chrono::duration<double>(now - last_tick_).count();
  last_tick_ = now;
  std::bernoulli_distribution leaves(1 - std::exp(-options_.churn * elapsed_s));
  for (std::size_t i = traffic_.publisher_count(); i < clients_.size() && !stopped_; ++i) {
    Client& client = clients_[i];
    if (client.state != State::present || !leaves(random_)) continue;
    client.state = State::leaving;
    ++away_;
    send_marker(fleet_[i], TextKind::leave);
  }
  waiter_.wake();  // with --churn the drain looks at what is owed on every tick
  arm();
}

void Churn::on_marker(Connection& receiver, const ParsedText& parsed) {
  if (parsed.client >= clients_.size()) return;
  Client& subject = clients_[parsed.client];
  if (parsed.period >= subject.periods.size()) return;
  const std::size_t period = subject.periods[parsed.period];
  const bool join = parsed.kind == TextKind::join;
  if (receiver.index < traffic_.publisher_count()) {
    if (unseen_ > 0) --unseen_;
    if (join) {
      traffic_.owe_from(period, receiver.index);
    } else {
      traffic_.owe_until(period, receiver.index);
    }
  }
  if (receiver.index != parsed.client || parsed.period + 1 != subject.periods.size()) return;
  if (!join && subject.state == State::leaving) {
    subject.state = State::reconnecting;
    traffic_.count_for(receiver, Traffic::not_counting);
    // Not from inside the receiving connection's own read handler.
    boost::asio::post(io_, [this, &receiver] { rejoin(receiver); });
  } else if (join && subject.state == State::joining) {
    subject.state = State::present;
    traffic_.count_for(receiver, period);
    --away_;
  }
}

void Churn::rejoin(Connection& c) {
  fleet_.reconnect(c, [this, &c] {
    ++reconnects_;
    Client& client = clients_[c.index];
    client.periods.push_back(traffic_.add_period());
    client.state = State::joining;
    send_marker(c, TextKind::join);
  });
}

void Churn::send_marker(Connection& c, TextKind kind) {
  const std::size_t period = clients_[c.index].periods.size() - 1;
  marker_.write_churn(message_.message, kind, c.index, period);
  encode_to(c.outbox, message_);
  fleet_.flush(c);
  unseen_ += traffic_.publisher_count();
}

}  // namespace tcpchat::bench
