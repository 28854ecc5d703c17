#pragma once

// Certificates made for one test with the openssl command, all ECDSA P-256 as the docs advise:
// a CA, and server and client certificates it signs.

#include <filesystem>
#include <string>

#include "process.hpp"

namespace tcpchat::test {

struct KeyPair {
  std::string cert;  // PEM file paths
  std::string key;
};

class Certificates {
 public:
  // A CA, a server certificate for localhost and 127.0.0.1 and a client certificate.
  Certificates();

  const std::string& ca_cert() const { return ca_.cert; }
  const KeyPair& server() const { return server_; }
  const KeyPair& client() const { return client_; }
  const std::filesystem::path& dir() const { return dir_.path(); }

  // Another certificate signed by the CA, with a new key and serial, as `name`.pem and
  // `name`.key: valid for `days` from now (negative: expired that many days ago), for `host`.
  KeyPair issue(const std::string& name, int days = 30, const std::string& host = "localhost");
  // A certificate signed by its own key, by no CA the tests trust.
  KeyPair self_signed(const std::string& name);
  // The serial of a certificate file, in hexadecimal as the daemon logs it.
  static std::string serial(const std::string& cert_file);

 private:
  TempDir dir_;
  KeyPair ca_;
  KeyPair server_;
  KeyPair client_;
};

// Runs a command to completion, throwing with its stderr unless it exits 0 within 20 s.
std::string run_command(std::vector<std::string> argv);

}  // namespace tcpchat::test
