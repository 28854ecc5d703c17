#include "certificates.hpp"

#include <fstream>
#include <stdexcept>

namespace tcpchat::test {

std::string run_command(std::vector<std::string> argv) {
  ProcessOptions options;
  options.stdin_pipe = false;
  Process p(argv, options);
  const auto status = p.wait_exit(20s);
  if (status != 0) {
    std::string line;
    for (const auto& a : argv) line += a + " ";
    throw std::runtime_error(line + "failed: " + p.stderr_text());
  }
  return p.stdout_text();
}

namespace {

const std::vector<std::string> p256 = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                                       "-nodes"};

std::vector<std::string> joined(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

Certificates::Certificates() {
  const std::string d = dir_.path().string() + "/";
  ca_ = {d + "ca.pem", d + "ca.key"};
  run_command(joined({"openssl", "req", "-x509", "-days", "30", "-subj", "/CN=tcpchat test CA",
                      "-keyout", ca_.key, "-out", ca_.cert},
                     p256));
  server_ = issue("server");
  client_ = issue("client", 30, "chat-client");
}

KeyPair Certificates::issue(const std::string& name, int days, const std::string& host) {
  const std::string d = dir_.path().string() + "/";
  KeyPair pair{d + name + ".pem", d + name + ".key"};
  const std::string csr = d + name + ".csr";
  const std::string ext = d + name + ".ext";
  std::ofstream(ext) << "subjectAltName=DNS:" << host << ",IP:127.0.0.1\n";
  run_command(joined(
      {"openssl", "req", "-new", "-subj", "/CN=" + host, "-keyout", pair.key, "-out", csr}, p256));
  // -days -1 makes one that expired yesterday: openssl counts from now.
  run_command({"openssl", "x509", "-req", "-in", csr, "-CA", ca_.cert, "-CAkey", ca_.key,
               "-CAcreateserial", "-days", std::to_string(days), "-extfile", ext, "-out",
               pair.cert});
  return pair;
}

KeyPair Certificates::self_signed(const std::string& name) {
  const std::string d = dir_.path().string() + "/";
  KeyPair pair{d + name + ".pem", d + name + ".key"};
  run_command(
      joined({"openssl", "req", "-x509", "-days", "30", "-subj", "/CN=localhost", "-addext",
              "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", pair.key, "-out", pair.cert},
             p256));
  return pair;
}

std::string Certificates::serial(const std::string& cert_file) {
  const std::string out = run_command({"openssl", "x509", "-in", cert_file, "-noout", "-serial"});
  // "serial=0123ABCD\n"
  const auto eq = out.find('=');
  return out.substr(eq + 1, out.find_last_not_of("\n") - eq);
}

}  // namespace tcpchat::test
