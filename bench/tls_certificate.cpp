#include "tls_certificate.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include <cstdio>
#include <memory>

#include "exit_status.hpp"

namespace tcpchat::bench {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw Failure(exit_failed, "cannot make a TLS certificate for the spawned daemon: " + what);
}

void write_pem(const std::filesystem::path& path, const auto& write) {
  std::unique_ptr<FILE, decltype(&std::fclose)> file(std::fopen(path.c_str(), "w"), &std::fclose);
  if (!file || write(file.get()) != 1) fail("cannot write " + path.string());
}

}  // namespace

TemporaryCertificate::TemporaryCertificate() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tcpchat-bench-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) fail("cannot create a temporary directory");
  dir_ = pattern;

  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  if (!key || !cert) fail("out of memory");
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) fail("signing failed");

  write_pem(dir_ / "cert.pem", [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  write_pem(dir_ / "key.pem", [&](FILE* f) {
    return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
}

TemporaryCertificate::~TemporaryCertificate() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace tcpchat::bench
