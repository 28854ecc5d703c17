#pragma once

#include <openssl/ssl.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "runtime/config.hpp"

namespace tcpchat {

// What the log, STATUS= and the expiry metric say of the certificate being served.
struct CertificateInfo {
  std::string subject;
  std::string serial;  // hexadecimal, as openssl x509 -serial prints it
  std::chrono::system_clock::time_point not_after;
};

// A certificate, key or CA file that cannot be used, in one sentence naming the file.
struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The server's TLS settings loaded into an OpenSSL context: certificate chain, key, CA and the
// policy, all checked at load. New connections take the current one; an SSL object keeps its
// own reference to the context, so connections outlive a reload that replaces it.
class TlsContext {
 public:
  // Checks that the settings name a certificate and key (and a CA for client verification),
  // then reads the files; throws TlsError.
  static std::shared_ptr<const TlsContext> load(const Config& config);

  SSL_CTX* native() const { return context_.native_handle(); }
  const CertificateInfo& certificate() const { return certificate_; }

  explicit TlsContext(boost::asio::ssl::context context, CertificateInfo certificate)
      : context_(std::move(context)), certificate_(std::move(certificate)) {}

 private:
  // Asio only frees the context; nothing here changes it after load.
  mutable boost::asio::ssl::context context_;
  CertificateInfo certificate_;
};

// `subject CN=chat.example, serial 1A2B, valid until 2027-03-01T00:00:00Z (89 days)`.
std::string describe(const CertificateInfo& certificate, std::chrono::system_clock::time_point now);
// A loud sentence when the certificate has expired or expires within a week, or nothing.
std::optional<std::string> expiry_warning(const CertificateInfo& certificate,
                                          std::chrono::system_clock::time_point now);
// Whole days until the certificate expires, negative once it has.
long days_left(const CertificateInfo& certificate, std::chrono::system_clock::time_point now);

}  // namespace tcpchat
