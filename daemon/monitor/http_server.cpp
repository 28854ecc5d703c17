#include "monitor/http_server.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <memory>
#include <optional>

#include "runtime/log.hpp"

namespace tcpchat {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

// After a resource error (EMFILE), how long until accepting is tried again.
constexpr auto accept_backoff = std::chrono::milliseconds(100);
// After a last answer, how long the peer has to close before the connection is cut.
constexpr auto linger_time = std::chrono::seconds(1);

http::response<http::string_body> make_response(const Reply& reply, unsigned version,
                                                bool keep_alive, bool head) {
  http::response<http::string_body> res{reply.status, version};
  res.set(http::field::server, "tcpchatd");
  res.set(http::field::content_type, reply.content_type);
  res.set(http::field::cache_control, "no-store");
  if (reply.status == http::status::method_not_allowed) res.set(http::field::allow, "GET, HEAD");
  res.keep_alive(keep_alive);
  res.body() = reply.body;
  res.prepare_payload();
  // HEAD: the headers of the GET, Content-Length included, and no body.
  if (head) res.body().clear();
  return res;
}

Reply plain(http::status status, std::string_view sentence) {
  return {status, "text/plain; charset=utf-8", std::string(sentence) + "\n"};
}

}  // namespace

// One keep-alive connection: reads a request, answers it, and reads the next.
class HttpServer::Connection : public monitor_hooks::Open,
                               public std::enable_shared_from_this<Connection> {
 public:
  // A refusing connection is one too many: it is told 503 and counts apart.
  Connection(HttpServer& server, tcp::socket socket, bool refusing)
      : server_(server), stream_(std::move(socket)), refusing_(refusing) {
    server_.open_.push_back(*this);
    ++(refusing_ ? server_.refusing_ : server_.open_count_);
  }
  ~Connection() { --(refusing_ ? server_.refusing_ : server_.open_count_); }

  // Answered at once, without reading the request: the answer is the same whatever it is.
  void refuse() {
    answer(plain(http::status::service_unavailable,
                 "at most " + std::to_string(max_connections) +
                     " monitoring connections at once; try again later"),
           11, false, false);
  }

  void read() {
    parser_.emplace();
    parser_->header_limit(max_header_bytes);
    stream_.expires_after(request_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == asio::error::operation_aborted ||
        ec == beast::error::timeout) {
      return close();
    }
    if (ec == http::error::header_limit) {
      return answer(plain(http::status::request_header_fields_too_large,
                          "request headers over " + std::to_string(max_header_bytes) + " bytes"),
                    11, false, false);
    }
    if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
      return answer(plain(http::status::bad_request, "malformed request: " + ec.message()), 11,
                    false, false);
    }
    if (ec) return close();  // the socket failed: nobody to answer
    const auto& req = parser_->get();
    answer(server_.routes_.respond(req.method(), req.target()), req.version(), req.keep_alive(),
           req.method() == http::verb::head);
  }

  void answer(const Reply& reply, unsigned version, bool keep_alive, bool head) {
    response_ = make_response(reply, version, keep_alive, head);
    stream_.expires_after(request_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this(), keep_alive](beast::error_code ec, std::size_t) {
                        if (ec) return self->close();
                        if (keep_alive) return self->read();
                        self->finish();
                      });
  }

  // After the last answer: half-close and let the peer read it before the socket goes, since
  // closing with its input unread would reset the connection and could destroy the answer.
  void finish() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger_time);
    drain();
  }

  void drain() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->close();
                              self->drain();
                            });
  }

  HttpServer& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::empty_body>> parser_;
  http::response<http::string_body> response_;
  char discard_[512];
  bool refusing_;
};

HttpServer::HttpServer(tcp::acceptor acceptor, const MonitorRoutes& routes)
    : acceptor_(std::move(acceptor)), backoff_(acceptor_.get_executor()), routes_(routes) {}

HttpServer::~HttpServer() = default;

void HttpServer::start() {
  accept();
}

void HttpServer::stop() {
  stopped_ = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  backoff_.cancel();
  for (Connection& c : open_) c.close();
}

void HttpServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void HttpServer::on_accept(const boost::system::error_code& ec, tcp::socket socket) {
  if (stopped_ || ec == asio::error::operation_aborted) return;
  if (ec) {
    if (!std::exchange(accept_failed_, true)) {
      log::error("monitor: accept failed: " + ec.message() + "; retrying every 100 ms");
    }
    backoff_.expires_after(accept_backoff);
    backoff_.async_wait([this](const boost::system::error_code& wait_ec) {
      if (!wait_ec && !stopped_) accept();
    });
    return;
  }
  if (std::exchange(accept_failed_, false)) log::info("monitor: accepting again");
  if (open_count_ < max_connections) {
    std::make_shared<Connection>(*this, std::move(socket), false)->read();
  } else if (refusing_ < max_refusing) {
    std::make_shared<Connection>(*this, std::move(socket), true)->refuse();
  }
  accept();
}

}  // namespace tcpchat
