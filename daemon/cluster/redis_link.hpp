#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "cluster/redis_connection.hpp"
#include "runtime/redis_url.hpp"

namespace tcpchat {

// Opens one connection of the cluster link, ready for use: the host resolved with Asio's
// resolver (hiredis would block on it), connected, authenticated, the database selected and
// the connection named (CLIENT SETNAME) so that CLIENT LIST shows whose it is. `done` gets the
// connection, or null and why it failed, within `timeout` for the whole of it.
using LinkOpened = std::function<void(std::shared_ptr<RedisConnection>, const std::string& why)>;
void open_redis_link(boost::asio::io_context& io, const RedisUrl& url,
                     const std::string& client_name, std::chrono::milliseconds timeout,
                     RedisConnection::LostHandler lost, LinkOpened done);

}  // namespace tcpchat
