#include "core/base/operation_group.h"

#include <map>
#include <mutex>

namespace grok {
namespace {

int power_mod(long long base, int exp, int p) {
  long long r = 1;
  base %= p;
  for (; exp > 0; exp >>= 1, base = base * base % p)
    if (exp & 1) r = r * base % p;
  return static_cast<int>(r);
}

}  // namespace

bool is_prime(int n) {
  if (n < 2) return false;
  for (int d = 2; static_cast<long long>(d) * d <= n; d++)
    if (n % d == 0) return false;
  return true;
}

int primitive_root(int p) {
  if (!is_prime(p)) throw ConfigError("p: " + std::to_string(p) + " is not prime, so it has no primitive root");
  if (p == 2) return 1;
  std::vector<int> factors;  // the prime factors of p - 1
  int m = p - 1;
  for (int d = 2; d * d <= m; d++)
    if (m % d == 0) {
      factors.push_back(d);
      while (m % d == 0) m /= d;
    }
  if (m > 1) factors.push_back(m);
  for (int g = 2; g < p; g++) {
    bool generates = true;
    for (int q : factors) generates = generates && power_mod(g, (p - 1) / q, p) != 1;
    if (generates) return g;
  }
  return 0;  // unreachable: every prime has a primitive root
}

OperationGroup operation_group(const std::string& task, int p) {
  OperationGroup g;
  g.task = task;
  g.p = p;
  const bool multiplicative = task == "multiply" || task == "divide";
  g.invert_b = task == "subtract" || task == "divide";
  if (multiplicative && !is_prime(p))
    throw ConfigError("p: " + std::to_string(p) + " is not prime, and " + task +
                      " needs a prime p (allowed: a prime such as 97 or 113)");
  g.n = multiplicative ? p - 1 : p;
  static std::mutex mutex;  // Z_n's table is shared by every caller
  static std::map<int, std::shared_ptr<const FiniteGroup>> cyclic;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto& G = cyclic[g.n];
    if (!G) G = std::make_shared<const FiniteGroup>(named_group("Z" + std::to_string(g.n)));
    g.G = G;
  }
  if (!multiplicative) {
    for (int t = 0; t < p; t++) g.element.push_back(t), g.token.push_back(t);
    return g;
  }
  g.generator = primitive_root(p);
  g.element.assign(p, -1);
  long long x = 1;
  for (int i = 0; i < g.n; i++, x = x * g.generator % p) {
    g.token.push_back(static_cast<int>(x));
    g.element[x] = i;
  }
  return g;
}

OperationGroup group_task(std::shared_ptr<const FiniteGroup> G) {
  OperationGroup g;
  g.task = G->name;
  g.p = g.n = G->n;
  for (int t = 0; t < g.n; t++) g.element.push_back(t), g.token.push_back(t);
  g.G = std::move(G);
  return g;
}

std::string OperationGroup::name() const {
  return cyclic() && G->params.size() == 1 ? "Z_" + std::to_string(n) : G->name;
}

std::string OperationGroup::coordinate(const std::string& x) const {
  return multiplicative() ? "log_" + std::to_string(generator) + " " + x : x;
}

std::string OperationGroup::basis_description() const {
  if (!cyclic()) return "irreps of " + name() + " over a, b";
  return "frequency k over " + coordinate("a") + ", " + coordinate("b") + " (" + name() + ")";
}

}  // namespace grok
