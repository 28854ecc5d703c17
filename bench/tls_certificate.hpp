#pragma once

// For `--spawn --tls`: a throwaway ECDSA P-256 certificate for localhost (the kind the docs
// advise), written to a private temporary directory that the destructor removes.

#include <filesystem>
#include <string>

namespace tcpchat::bench {

class TemporaryCertificate {
 public:
  TemporaryCertificate();  // throws Failure(exit_failed) if OpenSSL cannot make one
  ~TemporaryCertificate();
  TemporaryCertificate(const TemporaryCertificate&) = delete;
  TemporaryCertificate& operator=(const TemporaryCertificate&) = delete;

  std::string cert_file() const { return (dir_ / "cert.pem").string(); }
  std::string key_file() const { return (dir_ / "key.pem").string(); }

 private:
  std::filesystem::path dir_;
};

}  // namespace tcpchat::bench
