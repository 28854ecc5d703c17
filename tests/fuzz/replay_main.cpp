// Ordinary builds link this in place of libFuzzer: it runs the target once on every file of the
// directories named on the command line (the committed corpus, the crashes found so far), so that
// every ctest run replays them with whatever compiler built it. A directory that does not exist
// holds no crash yet; finding no input at all is an error, as it means a wrong path.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_target.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> inputs_in(const std::vector<fs::path>& directories) {
  std::vector<fs::path> files;
  for (const auto& directory : directories) {
    if (!fs::is_directory(directory)) continue;
    for (const auto& entry : fs::directory_iterator(directory)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  }
  std::ranges::sort(files);
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  const auto files = inputs_in({argv + 1, argv + argc});
  if (files.empty()) {
    std::cerr << "replay: no input files in the directories given\n";
    return 1;
  }
  for (const auto& file : files) {
    std::cout << "replay: " << file.string() << std::endl;  // flushed: a crash names its input
    std::ifstream in(file, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::cout << "replay: " << files.size() << " inputs passed\n";
  return 0;
}
