#include "tls/tls_context.hpp"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>

namespace tcpchat {
namespace ssl = boost::asio::ssl;
using std::chrono::system_clock;

namespace {

// A warning this long before expiry leaves time to renew.
constexpr auto expiry_notice = std::chrono::days(7);

// The newest OpenSSL error as a phrase, "no start line", or `fallback`.
std::string openssl_reason(std::string fallback) {
  const unsigned long code = ERR_peek_last_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : fallback;
}

void require_readable(const std::string& path, std::string_view what) {
  std::ifstream file(path);
  if (!file) {
    throw TlsError("cannot read the TLS " + std::string(what) + " " + path + ": " +
                   std::strerror(errno));
  }
}

std::string utc_text(system_clock::time_point t) {
  const std::time_t seconds = system_clock::to_time_t(t);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

CertificateInfo inspect(X509* certificate) {
  CertificateInfo info;
  if (X509_NAME* name = X509_get_subject_name(certificate)) {
    char* text = X509_NAME_oneline(name, nullptr, 0);
    if (text) info.subject = text;
    OPENSSL_free(text);
  }
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr)) {
    char* hex = BN_bn2hex(serial);
    if (hex) info.serial = hex;
    OPENSSL_free(hex);
    BN_free(serial);
  }
  std::tm not_after{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate), &not_after) == 1) {
    info.not_after = system_clock::from_time_t(::timegm(&not_after));
  }
  return info;
}

// The first setting a TLS server lacks, in one sentence, or nothing.
std::optional<std::string> tls_setting_problem(const Config& config) {
  if (config.tls_cert_file.empty() || config.tls_key_file.empty()) {
    return "TLS needs tls-cert-file and tls-key-file (a PEM certificate chain and its key)";
  }
  if (config.tls_verify_clients != TlsVerify::no && config.tls_ca_file.empty()) {
    return "tls-verify-clients = " +
           std::string(config.tls_verify_clients == TlsVerify::optional ? "optional" : "require") +
           " needs tls-ca-file, the CA certificates that client certificates must chain to";
  }
  return std::nullopt;
}

}  // namespace

std::shared_ptr<const TlsContext> TlsContext::load(const Config& config) {
  if (const auto problem = tls_setting_problem(config)) throw TlsError(*problem);
  require_readable(config.tls_cert_file, "certificate file");
  require_readable(config.tls_key_file, "key file");
  if (!config.tls_ca_file.empty()) require_readable(config.tls_ca_file, "CA file");

  ssl::context context(ssl::context::tls_server);
  SSL_CTX* native = context.native_handle();
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(native, config.tls_cert_file.c_str()) != 1) {
    throw TlsError("cannot use the TLS certificate file " + config.tls_cert_file + ": " +
                   openssl_reason("not a PEM certificate chain"));
  }
  // OpenSSL would ask for a passphrase on the terminal, and block the loop on a SIGHUP.
  if (std::ifstream key(config.tls_key_file);
      std::string(std::istreambuf_iterator<char>(key), {}).find("ENCRYPTED") != std::string::npos) {
    throw TlsError("the TLS key file " + config.tls_key_file +
                   " is protected by a passphrase, which a service cannot type: store it "
                   "without one (openssl pkey -in KEY -out PLAIN), readable only by the service");
  }
  const std::string mismatch = "the TLS key file " + config.tls_key_file +
                               " does not match the certificate in " + config.tls_cert_file;
  if (SSL_CTX_use_PrivateKey_file(native, config.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    // OpenSSL compares the key with the certificate as it loads it.
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
      ERR_clear_error();
      throw TlsError(mismatch);
    }
    throw TlsError("cannot use the TLS key file " + config.tls_key_file + ": " +
                   openssl_reason("not a PEM private key"));
  }
  if (SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw TlsError(mismatch);
  }
  if (!config.tls_ca_file.empty() &&
      SSL_CTX_load_verify_locations(native, config.tls_ca_file.c_str(), nullptr) != 1) {
    throw TlsError("cannot use the TLS CA file " + config.tls_ca_file + ": " +
                   openssl_reason("no PEM certificates in it"));
  }
  SSL_CTX_set_min_proto_version(
      native, config.tls_min_version == TlsVersion::v1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
  switch (config.tls_verify_clients) {
    case TlsVerify::no:
      SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
      break;
    case TlsVerify::optional:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
      break;
    case TlsVerify::require:
      SSL_CTX_set_verify(native, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      break;
  }
  if (!config.tls_ca_file.empty()) {
    // Tells clients which CAs their certificate may chain to.
    if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(config.tls_ca_file.c_str())) {
      SSL_CTX_set_client_CA_list(native, names);
    }
  }
  // An idle connection keeps no record buffers: they are 17 KiB each way.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS);
  // Reads take whatever the socket holds, not a record header and then its body.
  SSL_CTX_set_read_ahead(native, 1);
  // Every recipient's copy of a frame is encrypted: AES-128-GCM costs about a third less per byte
  // than the AES-256 that OpenSSL puts first, at a strength no attack comes near.
  SSL_CTX_set_ciphersuites(native,
                           "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
                           "TLS_CHACHA20_POLY1305_SHA256");
  SSL_CTX_set_cipher_list(native,
                          "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                          "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                          "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305");
  // Tickets carry it; without one, resuming fails once client certificates are asked for.
  static constexpr unsigned char session_context[] = "tcpchatd";
  SSL_CTX_set_session_id_context(native, session_context, sizeof session_context - 1);
  // Resumption by tickets only: a server-side cache would hold memory per client.
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);
  // A client that closes without close_notify has simply left, as over plaintext.
  SSL_CTX_set_options(native, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                  SSL_OP_IGNORE_UNEXPECTED_EOF);
  ERR_clear_error();

  return std::make_shared<const TlsContext>(std::move(context),
                                            inspect(SSL_CTX_get0_certificate(native)));
}

long days_left(const CertificateInfo& certificate, system_clock::time_point now) {
  return static_cast<long>(
      std::chrono::floor<std::chrono::days>(certificate.not_after - now).count());
}

std::string describe(const CertificateInfo& certificate, system_clock::time_point now) {
  return "subject " + certificate.subject + ", serial " + certificate.serial + ", valid until " +
         utc_text(certificate.not_after) + " (" + std::to_string(days_left(certificate, now)) +
         " days)";
}

std::optional<std::string> expiry_warning(const CertificateInfo& certificate,
                                          system_clock::time_point now) {
  if (certificate.not_after <= now) {
    return "the TLS certificate EXPIRED on " + utc_text(certificate.not_after) +
           ": clients that verify it refuse to connect; renew it and reload (systemctl reload "
           "tcpchatd)";
  }
  if (certificate.not_after - now <= expiry_notice) {
    return "the TLS certificate expires on " + utc_text(certificate.not_after) + ", in " +
           std::to_string(days_left(certificate, now)) + " days: renew it and reload";
  }
  return std::nullopt;
}

}  // namespace tcpchat
