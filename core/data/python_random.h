// Python's `random` module, as far as the reference code uses it: `random.seed(int)` and
// `random.shuffle(list)`. Reimplemented bit for bit (MT19937 seeded by init_by_array, CPython's
// `_randbelow_with_getrandbits`), so that a seed gives the authors' train/test split.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace grok {

class PythonRandom {
 public:
  explicit PythonRandom(std::uint64_t seed);  // random.seed(seed) for a non-negative int
  std::uint32_t genrand_uint32();
  std::uint32_t getrandbits(int k);          // 1 <= k <= 32
  std::uint32_t randbelow(std::uint32_t n);  // n >= 1

  template <typename T>
  void shuffle(std::vector<T>& x) {  // random.shuffle
    for (std::size_t i = x.size() - 1; i >= 1 && i < x.size(); --i) {
      const std::size_t j = randbelow(static_cast<std::uint32_t>(i + 1));
      std::swap(x[i], x[j]);
    }
  }

 private:
  static constexpr int N = 624;
  std::array<std::uint32_t, N> mt_{};
  int mti_ = N + 1;
  void init_genrand(std::uint32_t s);
  void init_by_array(const std::vector<std::uint32_t>& key);
};

}  // namespace grok
