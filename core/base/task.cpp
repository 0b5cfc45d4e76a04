#include "core/base/task.h"

#include <stdexcept>

namespace grok {

namespace {

// b^-1 mod p by Fermat (p prime, b != 0).
long long inverse_mod(int b, int p) {
  long long inv = 1, base = b % p;
  for (int e = p - 2; e > 0; e >>= 1, base = base * base % p)
    if (e & 1) inv = inv * base % p;
  return inv;
}

}  // namespace

Task::Task(const Config& cfg) : op_(cfg.operation), p_(cfg.p), group_(operation_group(cfg.operation, cfg.p)) {}

bool Task::in_domain(int a, int b) const {
  return a >= 0 && a < p_ && b >= 0 && b < p_ && !(op_ == Operation::Divide && b == 0);
}

int Task::domain_size() const { return p_ * (op_ == Operation::Divide ? p_ - 1 : p_); }

std::vector<int> Task::domain_rows() const {
  std::vector<int> rows;
  rows.reserve(static_cast<std::size_t>(domain_size()));
  for (int a = 0; a < p_; a++)
    for (int b = 0; b < p_; b++)
      if (in_domain(a, b)) rows.push_back(a * p_ + b);
  return rows;
}

int Task::label(int a, int b) const {
  if (!in_domain(a, b))
    throw std::invalid_argument("task " + describe() + ": (" + std::to_string(a) + ", " + std::to_string(b) +
                                ") is not in its domain");
  switch (op_) {
    case Operation::Add: return (a + b) % p_;
    case Operation::Subtract: return ((a - b) % p_ + p_) % p_;
    case Operation::Multiply: return static_cast<int>((static_cast<long long>(a) * b) % p_);
    case Operation::Divide: return static_cast<int>(a * inverse_mod(b, p_) % p_);
  }
  return 0;
}

std::string Task::describe() const {
  static const char* const symbols[] = {"+", "-", "*", "/"};
  return std::string("(a ") + symbols[static_cast<std::size_t>(op_)] + " b) mod " + std::to_string(p_);
}

std::string Task::name() const { return to_string(op_); }

}  // namespace grok
