#include "monitor/routes.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <chrono>

#include "monitor/clients_json.hpp"
#include "monitor/metrics_text.hpp"
#include "monitor/process_stats.hpp"
#include "runtime/log.hpp"

namespace tcpchat {

namespace http = boost::beast::http;

namespace {

constexpr std::string_view json_type = "application/json";

constexpr std::string_view index_text =
    "tcpchatd monitoring\n"
    "/metrics  Prometheus metrics\n"
    "/clients  the connections, as JSON (sort, limit, offset, state)\n"
    "/healthz  liveness: 200 while the event loop is responsive\n"
    "/readyz   readiness: 200 while the daemon can serve\n";

Reply text(http::status status, std::string body) {
  body += '\n';
  return {status, "text/plain; charset=utf-8", std::move(body)};
}

}  // namespace

Reply MonitorRoutes::respond(http::verb method, std::string_view target) const {
  if (method != http::verb::get && method != http::verb::head) {
    return text(http::status::method_not_allowed,
                "the monitoring endpoint takes GET and HEAD only");
  }
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view{} : target.substr(question + 1);
  if (path == "/") return {http::status::ok, "text/plain; charset=utf-8", std::string(index_text)};
  if (path == "/metrics") return metrics();
  if (path == "/clients" && settings_.list_clients) return clients(query);
  if (path == "/healthz") return healthz();
  if (path == "/readyz") return readyz();
  if (path == "/clients") {
    return text(http::status::not_found, "the client list is turned off (--monitor-clients false)");
  }
  return text(http::status::not_found, "no page " + std::string(path) +
                                           "; there are /metrics, /clients, /healthz and "
                                           "/readyz");
}

Reply MonitorRoutes::metrics() const {
  const Gauges gauges = source_.gauges();
  const ProcessStats process = read_process_stats();
  return {http::status::ok, metrics_content_type,
          metrics_text({.gauges = gauges,
                        .counters = source_.counters(),
                        .loop_lag = probe_.histogram(),
                        .process = process,
                        .log_lines_dropped = log::lines_dropped(),
                        .version = settings_.version})};
}

Reply MonitorRoutes::clients(std::string_view query) const {
  auto parsed = parse_clients_query(query);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    boost::json::object o;
    o["error"] = *error;
    return {http::status::bad_request, json_type, boost::json::serialize(o) + "\n"};
  }
  return {http::status::ok, json_type,
          clients_json(source_.open_clients(), source_.closed_clients(),
                       std::get<ClientsQuery>(parsed), std::chrono::system_clock::now())};
}

Reply MonitorRoutes::healthz() const {
  if (auto why = probe_.unhealthy()) return text(http::status::service_unavailable, *why);
  return text(http::status::ok, "ok");
}

Reply MonitorRoutes::readyz() const {
  if (auto why = source_.not_ready()) return text(http::status::service_unavailable, *why);
  return text(http::status::ok, "ready");
}

}  // namespace tcpchat
