#include "core/data/python_random.h"

namespace grok {

// Constants and seeding from CPython's Modules/_randommodule.c (the MT19937 reference code).
namespace {
constexpr int M = 397;
constexpr std::uint32_t MATRIX_A = 0x9908b0dfU;
constexpr std::uint32_t UPPER_MASK = 0x80000000U;
constexpr std::uint32_t LOWER_MASK = 0x7fffffffU;
}  // namespace

PythonRandom::PythonRandom(std::uint64_t seed) {
  // random.seed(n) feeds |n| as little-endian 32-bit words; 0 becomes the key [0].
  std::vector<std::uint32_t> key;
  for (std::uint64_t s = seed; s != 0; s >>= 32) key.push_back(static_cast<std::uint32_t>(s & 0xffffffffU));
  if (key.empty()) key.push_back(0);
  init_by_array(key);
}

void PythonRandom::init_genrand(std::uint32_t s) {
  mt_[0] = s;
  for (int i = 1; i < N; i++) mt_[i] = 1812433253U * (mt_[i - 1] ^ (mt_[i - 1] >> 30)) + static_cast<std::uint32_t>(i);
  mti_ = N;
}

void PythonRandom::init_by_array(const std::vector<std::uint32_t>& key) {
  init_genrand(19650218U);
  int i = 1;
  std::size_t j = 0;
  for (std::size_t k = (N > key.size() ? N : key.size()); k; k--) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525U)) + key[j] + static_cast<std::uint32_t>(j);
    i++;
    j++;
    if (i >= N) {
      mt_[0] = mt_[N - 1];
      i = 1;
    }
    if (j >= key.size()) j = 0;
  }
  for (int k = N - 1; k; k--) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941U)) - static_cast<std::uint32_t>(i);
    i++;
    if (i >= N) {
      mt_[0] = mt_[N - 1];
      i = 1;
    }
  }
  mt_[0] = 0x80000000U;
}

std::uint32_t PythonRandom::genrand_uint32() {
  static const std::uint32_t mag01[2] = {0x0U, MATRIX_A};
  if (mti_ >= N) {
    int kk = 0;
    for (; kk < N - M; kk++) {
      const std::uint32_t y = (mt_[kk] & UPPER_MASK) | (mt_[kk + 1] & LOWER_MASK);
      mt_[kk] = mt_[kk + M] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    for (; kk < N - 1; kk++) {
      const std::uint32_t y = (mt_[kk] & UPPER_MASK) | (mt_[kk + 1] & LOWER_MASK);
      mt_[kk] = mt_[kk + (M - N)] ^ (y >> 1) ^ mag01[y & 0x1U];
    }
    const std::uint32_t y = (mt_[N - 1] & UPPER_MASK) | (mt_[0] & LOWER_MASK);
    mt_[N - 1] = mt_[M - 1] ^ (y >> 1) ^ mag01[y & 0x1U];
    mti_ = 0;
  }
  std::uint32_t y = mt_[mti_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

std::uint32_t PythonRandom::getrandbits(int k) { return genrand_uint32() >> (32 - k); }

std::uint32_t PythonRandom::randbelow(std::uint32_t n) {
  int k = 0;  // n.bit_length()
  for (std::uint32_t v = n; v; v >>= 1) k++;
  std::uint32_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

}  // namespace grok
