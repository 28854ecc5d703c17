// tcpchat-bench: load generator and measuring instrument for tcpchatd.
#include <sched.h>
#include <signal.h>

#include <iostream>

#include "bench_run.hpp"
#include "exit_status.hpp"
#include "options.hpp"

namespace {

using namespace tcpchat::bench;

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) {
    throw UsageError("--bench-cpu " + std::to_string(cpu) + ": no such CPU available");
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::optional<Options> options;
  try {
    options = parse_options(argc, argv);
    if (options && options->bench_cpu) pin_to(*options->bench_cpu);
  } catch (const UsageError& e) {
    std::cerr << "tcpchat-bench: " << e.what() << "\nTry 'tcpchat-bench --help'.\n";
    return exit_usage;
  }
  if (!options) return exit_ok;
  signal(SIGPIPE, SIG_IGN);

  std::optional<Result> result;
  try {
    result = run_bench(*options);
  } catch (const Failure& f) {
    std::cerr << "tcpchat-bench: " << f.what() << '\n';
    return f.status;
  } catch (const std::exception& e) {
    std::cerr << "tcpchat-bench: " << e.what() << '\n';
    return exit_failed;
  }
  if (options->json) {
    print_json(std::cout, *result);
  } else {
    print_text(std::cout, *result);
  }
  return result->ok() ? exit_ok : exit_failed;
}
