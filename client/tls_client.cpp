#include "tls_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <boost/asio/ssl/error.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace tcpchat::client {
namespace ssl = boost::asio::ssl;

namespace {

void require_readable(const std::string& path, const std::string& what) {
  std::ifstream file(path);
  if (!file) {
    throw std::runtime_error("cannot read the " + what + " " + path + ": " + std::strerror(errno));
  }
}

std::string openssl_reason(const boost::system::error_code& ec) {
  const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
  return reason ? reason : ec.message();
}

// Whether the system's CA store has any certificate: Debian keeps them in the ca-certificates
// package, which a minimal system may lack.
// OpenSSL looks where SSL_CERT_FILE and SSL_CERT_DIR say, else in its compiled-in places.
bool system_store_empty() {
  namespace fs = std::filesystem;
  const auto setting = [](const char* variable, const char* fallback) -> std::string {
    const char* value = std::getenv(variable);
    return value ? value : fallback;
  };
  std::error_code ec;
  const fs::path file = setting(X509_get_default_cert_file_env(), X509_get_default_cert_file());
  if (fs::file_size(file, ec) > 0 && !ec) return false;
  std::string dirs = setting(X509_get_default_cert_dir_env(), X509_get_default_cert_dir());
  for (std::size_t at = 0; at <= dirs.size();) {
    const std::size_t end = std::min(dirs.find(':', at), dirs.size());
    for (const auto& entry : fs::directory_iterator(dirs.substr(at, end - at), ec)) {
      if (entry.path().extension() == ".0" || entry.path().extension() == ".pem") return false;
    }
    at = end + 1;
  }
  return true;
}

std::string trusted(const TlsOptions& options) {
  if (!options.ca_file.empty()) return "the CAs of --tls-ca-file " + options.ca_file;
  if (system_store_empty()) {
    return "the system's CAs, and the system has none (install the ca-certificates package, "
           "or name the CA with --tls-ca-file)";
  }
  return "the system's CAs (name another with --tls-ca-file)";
}

}  // namespace

std::unique_ptr<ssl::context> make_client_context(const TlsOptions& options) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  ERR_clear_error();
  if (options.ca_file.empty()) {
    SSL_CTX_set_default_verify_paths(native);
  } else {
    require_readable(options.ca_file, "TLS CA file");
    if (SSL_CTX_load_verify_locations(native, options.ca_file.c_str(), nullptr) != 1) {
      ERR_clear_error();
      throw std::runtime_error("cannot use the TLS CA file " + options.ca_file +
                               ": it holds no PEM certificate");
    }
  }
  context->set_verify_mode(ssl::verify_peer);
  if (!options.cert_file.empty()) {
    require_readable(options.cert_file, "TLS certificate file");
    require_readable(options.key_file, "TLS key file");
    if (SSL_CTX_use_certificate_chain_file(native, options.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(native, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(native) != 1) {
      ERR_clear_error();
      throw std::runtime_error("cannot use the TLS certificate " + options.cert_file +
                               " with the key " + options.key_file +
                               ": not PEM, or the key does not match the certificate");
    }
  }
  ERR_clear_error();
  return context;
}

std::string expected_name(const TlsOptions& options, const std::string& host) {
  return options.server_name.empty() ? host : options.server_name;
}

std::string handshake_failure(ssl_st* ssl, const boost::system::error_code& ec,
                              const std::string& where, const std::string& host, std::uint16_t port,
                              const TlsOptions& options) {
  if (ec == ssl::error::stream_truncated || ec == boost::asio::error::eof ||
      ec == boost::asio::error::connection_reset) {
    return "the server at " + where + " closed the connection during the TLS handshake";
  }
  if (ec.category() != boost::asio::error::get_ssl_category()) {
    return "the TLS handshake with " + where + " failed: " + ec.message();
  }
  const int reason = ERR_GET_REASON(static_cast<unsigned long>(ec.value()));
  if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG) {
    return "the server at " + where + " answered without TLS; is " + std::to_string(port) +
           " its --tls-port?";
  }
  if (reason != SSL_R_CERTIFICATE_VERIFY_FAILED) {
    return "the TLS handshake with " + where + " failed: " + openssl_reason(ec);
  }
  const long result = SSL_get_verify_result(ssl);
  const std::string of = "the TLS certificate of " + where;
  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return of + " has expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return of + " is not valid yet (is this machine's clock right?)";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return of + " is not for " + expected_name(options, host) +
             " (connect by the name it carries, or set --tls-server-name)";
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return of + " is signed by an unknown CA: it is not among " + trusted(options);
    default:
      return of + " could not be verified: " + X509_verify_cert_error_string(result);
  }
}

}  // namespace tcpchat::client
