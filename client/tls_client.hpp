#pragma once

// TLS for the client: the context its options describe, and what a failed handshake means in
// one sentence. Verification is always on; there is no switch to turn it off.

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <memory>
#include <string>

#include "options.hpp"

struct ssl_st;

namespace tcpchat::client {

// The context for `options`: the system's CAs or --tls-ca-file, and a client certificate if
// given. Throws std::runtime_error with a sentence when a file cannot be used.
std::unique_ptr<boost::asio::ssl::context> make_client_context(const TlsOptions& options);

// The name the server's certificate must carry: --tls-server-name, else the host connected to.
std::string expected_name(const TlsOptions& options, const std::string& host);

// Why the handshake with `where` (HOST:PORT) failed, as one sentence: a verification failure
// (unknown CA, expired, wrong name), a server that answered without TLS, or OpenSSL's reason.
std::string handshake_failure(ssl_st* ssl, const boost::system::error_code& ec,
                              const std::string& where, const std::string& host, std::uint16_t port,
                              const TlsOptions& options);

}  // namespace tcpchat::client
