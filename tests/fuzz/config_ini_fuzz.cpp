// The daemon's config file parser on any text: it refuses with a ConfigError that ends the
// daemon with status 78, or gives a Config whose INI form (--check-config) reads back as the
// same Config. Any other exception escapes, and libFuzzer reports it.
#include <string>

#include "fuzz_target.hpp"
#include "runtime/config.hpp"
#include "runtime/exit_codes.hpp"

using namespace tcpchat;

namespace {

constexpr const char* path = "fuzz.conf";

void check_ini_reads_back(const Config& config) {
  const std::string ini = to_ini(config);
  try {
    fuzz::require(to_ini(parse_config_text(ini, path)) == ini,
                  "the INI form reads back as the same configuration");
  } catch (const ConfigError&) {
    fuzz::require(false, "the INI form of a configuration is a valid config file");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Config config;
  try {
    config = parse_config_text(fuzz::as_text(data, size), path);
  } catch (const ConfigError& e) {
    fuzz::require(e.exit_status() == exit_code::config, "a bad config file ends with status 78");
    return 0;
  }
  check_ini_reads_back(config);
  return 0;
}
