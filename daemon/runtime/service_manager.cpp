#include "runtime/service_manager.hpp"

#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "runtime/log.hpp"

#ifdef TCPCHAT_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace tcpchat {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// STATUS= is refreshed on this period, not per message: it is a syscall and a journal-visible
// state change.
constexpr auto status_period = std::chrono::seconds(5);

}  // namespace

ServiceManager::ServiceManager(asio::io_context& io, std::function<std::string()> status)
    : status_timer_(io), watchdog_timer_(io), status_(std::move(status)) {
#ifdef TCPCHAT_HAVE_SYSTEMD
  enabled_ = std::getenv("NOTIFY_SOCKET") != nullptr;
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    // Half the interval, as sd_watchdog_enabled(3) advises, so one late turn is not fatal.
    watchdog_interval_ = std::chrono::microseconds(usec / 2);
  }
#endif
}

std::vector<ServiceManager::PassedSocket> ServiceManager::passed_sockets() {
  std::vector<PassedSocket> out;
#ifdef TCPCHAT_HAVE_SYSTEMD
  char** names = nullptr;
  const int n = sd_listen_fds_with_names(1, &names);
  if (n < 0) throw std::runtime_error(std::string("sd_listen_fds failed: ") + strerror(-n));
  std::vector<std::string> named;
  for (int i = 0; names && names[i]; ++i) {
    named.emplace_back(names[i]);
    std::free(names[i]);
  }
  std::free(names);
  for (int fd = SD_LISTEN_FDS_START; fd < SD_LISTEN_FDS_START + n; ++fd) {
    if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
      throw std::runtime_error("socket activation passed descriptor " + std::to_string(fd) +
                               ", which is not a listening stream socket; check the .socket unit");
    }
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    const tcp protocol = addr.ss_family == AF_INET6 ? tcp::v6() : tcp::v4();
    const auto i = static_cast<std::size_t>(fd - SD_LISTEN_FDS_START);
    out.push_back({tcp::acceptor(status_timer_.get_executor(), protocol, fd),
                   i < named.size() ? named[i] : std::string()});
  }
#endif
  return out;
}

void ServiceManager::notify(const std::string& state) {
#ifdef TCPCHAT_HAVE_SYSTEMD
  sd_notify(0, state.c_str());
#else
  (void)state;
#endif
}

void ServiceManager::ready() {
  notify("READY=1\nSTATUS=" + status_());
  arm_status();
  arm_watchdog();
}

void ServiceManager::reloading() {
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now().time_since_epoch());
  notify("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(now.count()));
}

void ServiceManager::reloaded() {
  notify("READY=1\nSTATUS=" + status_());
}

void ServiceManager::stopping() {
  stopped_ = true;
  status_timer_.cancel();
  watchdog_timer_.cancel();
  notify("STOPPING=1\nSTATUS=stopping: flushing client queues");
}

void ServiceManager::arm_status() {
  if (stopped_ || !enabled_) return;
  status_timer_.expires_after(status_period);
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    notify("STATUS=" + status_());
    arm_status();
  });
}

void ServiceManager::arm_watchdog() {
  if (stopped_ || watchdog_interval_.count() == 0) return;
  // Sent from a timer on the event loop itself: a stuck loop stops the pings and gets restarted.
  notify("WATCHDOG=1");
  watchdog_timer_.expires_after(watchdog_interval_);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) arm_watchdog();
  });
}

}  // namespace tcpchat
