// tcpchatd: one thread, one io_context; every valid frame is broadcast to every client.
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <csignal>
#include <exception>
#include <iostream>
#include <optional>

#include "auth/auth_file.hpp"
#include "cluster/cluster_settings.hpp"
#include "core/accounts.hpp"
#include "net/listener.hpp"
#include "runtime/config.hpp"
#include "runtime/exit_codes.hpp"
#include "runtime/log.hpp"
#include "runtime/protected_mode.hpp"
#include "server.hpp"
#include "tls/tls_context.hpp"

namespace {

// At exit, how long stderr may take to accept the last lines, so that the final sentence is
// not lost to a slow reader, and a reader that never reads cannot hold up the exit.
constexpr auto log_flush_bound = std::chrono::seconds(1);

// Descriptors beyond the sessions: listeners, the history file and its rotation, a reload's
// config read, stdio, the epoll, signal and timer fds.
constexpr rlim_t spare_descriptors = 64;

// The sessions that fit under an open-file limit of `limit` with the spare descriptors kept.
std::size_t session_budget(rlim_t limit) {
  return limit > spare_descriptors ? static_cast<std::size_t>(limit - spare_descriptors) : 1;
}

// Raises the soft open-file limit so that --max-clients connections actually fit; returns how
// many sessions may be open at once under the limit in force.
std::size_t raise_file_limit(std::size_t max_clients) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return max_clients;
  const rlim_t wanted = static_cast<rlim_t>(max_clients) + spare_descriptors;
  if (limit.rlim_cur >= wanted) return session_budget(limit.rlim_cur);
  const rlim_t before = limit.rlim_cur;
  limit.rlim_cur = std::min(wanted, limit.rlim_max);
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) limit.rlim_cur = before;
  if (limit.rlim_cur < wanted) {
    tcpchat::log::warning("the open-file limit is " + std::to_string(limit.rlim_cur) +
                          " (hard limit " + std::to_string(limit.rlim_max) +
                          "), so at most about " + std::to_string(session_budget(limit.rlim_cur)) +
                          " clients fit, not --max-clients " + std::to_string(max_clients) +
                          "; raise it with `ulimit -n` or LimitNOFILE= in the service unit");
  }
  return session_budget(limit.rlim_cur);
}

// The signals the daemon handles on its loop. They stay blocked from the first line of main until
// the loop's signal_set is in place, so one that arrives during start-up waits for it instead of
// killing the daemon (a SIGHUP's default action is to end the process, which systemd would take
// for a clean exit).
sigset_t handled_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (const int signo : {SIGHUP, SIGINT, SIGTERM}) sigaddset(&set, signo);
  return set;
}

void block_handled_signals() {
  const sigset_t set = handled_signals();
  sigprocmask(SIG_BLOCK, &set, nullptr);
}

void unblock_handled_signals() {
  const sigset_t set = handled_signals();
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

// After an exception escaped the loop: closes every connection and lets the handlers that own
// sessions finish, while the server they point into still exists.
void tear_down(boost::asio::io_context& io, std::optional<tcpchat::Server>& server) {
  if (!server) return;
  server->abandon();
  io.restart();
  try {
    io.poll();
  } catch (const std::exception&) {
    // A second failure while tearing down: leave at once rather than touch anything more.
    tcpchat::log::flush(log_flush_bound);
    std::_Exit(tcpchat::exit_code::software);
  }
}

// --new-token NAME: a token to hand to the user, and the line for the auth file, which holds
// only its digest. Nothing is written anywhere.
int print_new_token(const std::string& name) {
  using namespace tcpchat;
  if (const auto problem = account_name_problem(name)) {
    std::cerr << "tcpchatd: --new-token " << name << ": " << *problem << "\n";
    return exit_code::usage;
  }
  const std::string token = new_token();
  std::cout << "token for " << name << " (give it to them; it is not stored): " << token << "\n"
            << "line for the auth file:\n"
            << account_line(name, token) << "\n";
  return exit_code::ok;
}

int run(int argc, char** argv) {
  using namespace tcpchat;
  const std::vector<std::string> args(argv + 1, argv + argc);
  Invocation inv;
  try {
    inv = parse_invocation(args);
  } catch (const ConfigError& e) {
    std::cerr << "tcpchatd: " << e.what() << "\n";
    return e.exit_status();
  }
  switch (inv.action) {
    case Action::help:
      std::cout << inv.help_text;
      return exit_code::ok;
    case Action::version:
      std::cout << "tcpchatd " TCPCHAT_VERSION "\n";
      return exit_code::ok;
    case Action::new_token:
      return print_new_token(inv.token_name);
    case Action::check_config:
      if (const auto refusal = protected_mode_refusal(inv.config, inv.from_command_line)) {
        std::cerr << "tcpchatd: " << refusal->sentence << "\n";
        return refusal->exit_status;
      }
      if (!inv.config.auth_file.empty()) {
        try {
          const auto accounts = load_auth_file(inv.config.auth_file);
          std::cerr << "tcpchatd: accounts in " << inv.config.auth_file << ": " << accounts->size()
                    << "\n";
        } catch (const AuthFileError& e) {
          std::cerr << "tcpchatd: " << e.what() << "\n";
          return e.exit_status;
        }
      }
      // As nginx -t: the certificate and key must load, not merely be named.
      if (inv.config.tls()) {
        try {
          const auto context = TlsContext::load(inv.config);
          const auto now = std::chrono::system_clock::now();
          std::cerr << "tcpchatd: TLS certificate: " << describe(context->certificate(), now)
                    << "\n";
          if (const auto warning = expiry_warning(context->certificate(), now)) {
            std::cerr << "tcpchatd: warning: " << *warning << "\n";
          }
        } catch (const TlsError& e) {
          std::cerr << "tcpchatd: " << e.what() << "\n";
          return exit_code::config;
        }
      }
      if (!inv.config.cluster.empty()) {
        try {
          const auto cluster = cluster_settings(inv.config, inv.config.port);
          std::cerr << "tcpchatd: cluster: room " << cluster.room << " at " << cluster.url.masked()
                    << " (not contacted)\n";
        } catch (const ClusterSetupError& e) {
          std::cerr << "tcpchatd: " << e.what() << "\n";
          return e.exit_status;
        }
      }
      std::cout << to_ini(inv.config);
      std::cerr << "tcpchatd: configuration OK\n";
      return exit_code::ok;
    case Action::run:
      break;
  }

  log::init_from_environment();
  log::set_level(inv.config.log_level);
  if (const auto refusal = protected_mode_refusal(inv.config, inv.from_command_line)) {
    log::error(refusal->sentence);
    return refusal->exit_status;
  }
  std::signal(SIGPIPE, SIG_IGN);
  // A file-size limit makes a history write fail with EFBIG, a storage error, not a kill.
  std::signal(SIGXFSZ, SIG_IGN);
  const std::size_t budget = raise_file_limit(inv.config.max_clients);

  boost::asio::io_context io(1);
  std::optional<Server> server;
  try {
    server.emplace(io, inv.config, args, budget);
    unblock_handled_signals();  // the server's signal_set takes them from here on
    server->start();
    io.run();
  } catch (const ListenError& e) {
    log::error(e.what());
    return e.exit_status;
  } catch (const TlsError& e) {
    log::error(e.what());
    return exit_code::config;
  } catch (const AuthFileError& e) {
    log::error(e.what());
    return e.exit_status;
  } catch (const HistoryError& e) {
    log::error(std::string(e.what()) + " (check --history-file and its directory's permissions)");
    return exit_code::io_error;
  } catch (const ClusterSetupError& e) {
    log::error(e.what());
    return e.exit_status;
  } catch (const std::exception& e) {
    log::error(std::string("internal error: ") + e.what() +
               "; closing every connection and exiting");
    tear_down(io, server);
    return exit_code::software;
  }
  log::info("stopped");
  return exit_code::ok;
}

}  // namespace

int main(int argc, char** argv) {
  block_handled_signals();
  int status = tcpchat::exit_code::software;
  try {
    status = run(argc, argv);
  } catch (const std::exception& e) {
    tcpchat::log::error(std::string("internal error: ") + e.what());
  }
  tcpchat::log::flush(log_flush_bound);
  return status;
}
