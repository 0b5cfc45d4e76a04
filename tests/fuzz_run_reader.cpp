// The run-file reader's fuzzer as a plain program, for builds under AddressSanitizer and
// UndefinedBehaviorSanitizer (scripts/fuzz-interchange.sh): it links only the store and base
// layers, so that such a build takes minutes.
//
//   fuzz_run_reader [INPUTS] [SEED]   -> "fuzz: 1000000 run files, 21000 accepted, 979000 refused, 0 crashes"
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "run_fuzz.h"

int main(int argc, char** argv) {
  const long inputs = argc > 1 ? std::atol(argv[1]) : 1000000;
  const std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261206;
  // A RAM-backed folder when there is one: a million files written and read.
  const std::filesystem::path dir =
      std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
  const std::string scratch = (dir / ("fuzz-run-" + std::to_string(::getpid()) + ".grok")).string();
  bool failed = false;
  const grok::runfuzz::FuzzResult r =
      grok::runfuzz::fuzz_reader(inputs, seed, scratch, [&](long i, const std::string& input, const char* what) {
        grok::runfuzz::write_bytes("fuzz-run-failure.grok", input);
        std::fprintf(stderr, "input %ld escaped with: %s (saved in fuzz-run-failure.grok)\n", i, what);
        failed = true;
      });
  // A crash never gets here: the sanitizer reports it and ends the process with an error.
  std::printf("fuzz: %ld run files, %ld accepted, %ld refused, %d crashes\n", r.inputs, r.accepted, r.refused, 0);
  std::fflush(stdout);
  return failed ? 1 : 0;
}
