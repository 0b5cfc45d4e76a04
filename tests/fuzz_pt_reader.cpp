// The checkpoint reader's fuzzer as a plain program, for builds under AddressSanitizer and
// UndefinedBehaviorSanitizer (scripts/fuzz-interchange.sh): it links only the reader's sources, so
// that such a build takes minutes, not the whole project's hour.
//
//   fuzz_pt_reader [INPUTS] [SEED]   -> "fuzz: 1000000 inputs, 9730 accepted, 990270 refused, 0 crashes"
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "pt_fuzz.h"

int main(int argc, char** argv) {
  const long inputs = argc > 1 ? std::atol(argv[1]) : 1000000;
  const std::uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 20261202;
  bool failed = false;
  const grok::fuzz::FuzzResult r =
      grok::fuzz::fuzz_reader(inputs, seed, [&](long i, const std::string& input, const char* what) {
        std::ofstream("fuzz-failure.bin", std::ios::binary)
            .write(input.data(), static_cast<std::streamsize>(input.size()));
        std::fprintf(stderr, "input %ld escaped with: %s (saved in fuzz-failure.bin)\n", i, what);
        failed = true;
      });
  // A crash never gets here: the sanitizer reports it and ends the process with an error.
  std::printf("fuzz: %ld inputs, %ld accepted, %ld refused, %d crashes\n", r.inputs, r.accepted, r.refused, 0);
  std::fflush(stdout);  // before the leak check at exit, which may end the process
  return failed ? 1 : 0;
}
