#include "core/base/finite_group.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <numeric>
#include <sstream>

#include "core/base/config.h"
#include "core/base/json_bounded.h"

#include <nlohmann/json.hpp>

namespace grok {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw ConfigError(what); }

template <class Compose>
FiniteGroup from_rule(FiniteGroup g, int n, Compose&& compose) {
  g.n = n;
  g.table.resize(static_cast<std::size_t>(n) * n);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) g.table[static_cast<std::size_t>(i) * n + j] = compose(i, j);
  g.inverse.assign(n, 0);
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++)
      if (g.compose(i, j) == 0) g.inverse[i] = j;
  return g;
}

FiniteGroup cyclic_product(const std::vector<int>& factors, const std::string& name) {
  int n = 1;
  for (int f : factors) n *= f;
  std::vector<std::vector<int>> tuple(n);
  for (int x = 0; x < n; x++) {  // lexicographic: the last factor runs fastest
    int r = x;
    tuple[x].assign(factors.size(), 0);
    for (std::size_t k = factors.size(); k-- > 0;) tuple[x][k] = r % factors[k], r /= factors[k];
  }
  FiniteGroup g;
  g.family = factors.size() == 1 ? FiniteGroup::Family::Cyclic : FiniteGroup::Family::CyclicProduct;
  g.name = name;
  g.params = factors;
  for (int x = 0; x < n; x++) {
    std::string s;
    for (int v : tuple[x]) s += (s.empty() ? "" : ",") + std::to_string(v);
    g.labels.push_back(factors.size() == 1 ? s : "(" + s + ")");
  }
  return from_rule(std::move(g), n, [&](int i, int j) {
    int x = 0;
    for (std::size_t k = 0; k < factors.size(); k++) x = x * factors[k] + (tuple[i][k] + tuple[j][k]) % factors[k];
    return x;
  });
}

FiniteGroup dihedral(int m) {
  FiniteGroup g;
  g.family = FiniteGroup::Family::Dihedral;
  g.name = "D" + std::to_string(m);
  g.params = {m};
  for (int f = 0; f < 2; f++)
    for (int k = 0; k < m; k++) {
      std::string s = k == 0 ? (f ? "" : "e") : k == 1 ? "r" : "r^" + std::to_string(k);
      g.labels.push_back(f ? (s.empty() ? "s" : s + " s") : s);
    }
  // x = r^k s^f at index f*m + k; r^a s^f r^b s^g = r^(a + (-1)^f b) s^(f + g).
  return from_rule(std::move(g), 2 * m, [m](int x, int y) {
    const int a = x % m, f = x / m, b = y % m, h = y / m;
    const int k = ((a + (f ? -b : b)) % m + m) % m;
    return ((f + h) % 2) * m + k;
  });
}

bool even(const std::vector<int>& perm) {
  int inversions = 0;
  for (std::size_t i = 0; i < perm.size(); i++)
    for (std::size_t j = i + 1; j < perm.size(); j++) inversions += perm[i] > perm[j];
  return inversions % 2 == 0;
}

std::string cycle_label(const std::vector<int>& perm) {
  std::string out;
  std::vector<bool> seen(perm.size());
  for (std::size_t s = 0; s < perm.size(); s++) {
    if (seen[s] || perm[s] == static_cast<int>(s)) continue;
    std::string cycle;
    for (std::size_t x = s; !seen[x]; x = static_cast<std::size_t>(perm[x]))
      seen[x] = true, cycle += (cycle.empty() ? "" : " ") + std::to_string(x);
    out += "(" + cycle + ")";
  }
  return out.empty() ? "e" : out;
}

FiniteGroup permutations(int degree, bool alternating) {
  FiniteGroup g;
  g.family = alternating ? FiniteGroup::Family::Alternating : FiniteGroup::Family::Symmetric;
  g.name = (alternating ? "A" : "S") + std::to_string(degree);
  g.params = {degree};
  std::vector<int> perm(degree);
  std::iota(perm.begin(), perm.end(), 0);
  do {
    if (!alternating || even(perm)) g.permutations.push_back(perm);
  } while (std::next_permutation(perm.begin(), perm.end()));
  std::map<std::vector<int>, int> index;
  for (std::size_t i = 0; i < g.permutations.size(); i++) {
    index[g.permutations[i]] = static_cast<int>(i);
    g.labels.push_back(cycle_label(g.permutations[i]));
  }
  const int n = static_cast<int>(g.permutations.size());
  const std::vector<std::vector<int>> perms = g.permutations;
  std::vector<int> c(static_cast<std::size_t>(degree));
  return from_rule(std::move(g), n, [&](int i, int j) {  // (a o b)(x) = a(b(x))
    for (int x = 0; x < degree; x++) c[x] = perms[i][perms[j][x]];
    return index.at(c);
  });
}

}  // namespace
}  // namespace grok

namespace grok {
namespace {

int parse_count(const std::string& digits) {
  if (digits.empty() || digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
  return std::stoi(digits);
}

std::string group_bounds() { return "Z2..Z1024, Z2xZ3..., D3..D512, S2..S6, A3..A6, table:FILE"; }

// Light's associativity test: (x o g) o y == x o (g o y) for g in a generating set implies it
// for every g (the good g are closed under o), so n^2 |S| products instead of n^3.
void check_associative(const FiniteGroup& g) {
  const int n = g.n;
  std::vector<char> in(n, 0);
  std::vector<int> members{0}, gens;
  in[0] = 1;
  for (int x = 0; x < n; x++) {
    if (in[x]) continue;
    gens.push_back(x);
    std::size_t done = 0;
    members.push_back(x), in[x] = 1;
    while (done < members.size()) {  // close under o: every new element times every member, both sides
      const int y = members[done++];
      for (std::size_t k = 0; k < done; k++)
        for (int z : {g.compose(y, members[k]), g.compose(members[k], y)})
          if (!in[z]) in[z] = 1, members.push_back(z);
    }
  }
  auto l = [&](int x) { return g.labels[x]; };
  for (int s : gens)
    for (int x = 0; x < n; x++)
      for (int y = 0; y < n; y++)
        if (g.compose(g.compose(x, s), y) != g.compose(x, g.compose(s, y)))
          refuse(g.name + ": not associative: (" + l(x) + " ∘ " + l(s) + ") ∘ " + l(y) + " != " + l(x) + " ∘ (" + l(s) +
                 " ∘ " + l(y) + ")");
}

}  // namespace

bool FiniteGroup::abelian() const {
  for (int i = 0; i < n; i++)
    for (int j = 0; j < i; j++)
      if (compose(i, j) != compose(j, i)) return false;
  return true;
}

std::string FiniteGroup::describe() const {
  const std::string order = " (order " + std::to_string(n) + ")";
  switch (family) {
    case Family::Cyclic: return "cyclic group " + name + order;
    case Family::CyclicProduct: return "abelian group " + name + order;
    case Family::Dihedral:
      return "dihedral group " + name + ", the symmetries of a " + std::to_string(params[0]) + "-gon" + order;
    case Family::Symmetric: return "symmetric group " + name + order;
    case Family::Alternating: return "alternating group " + name + order;
    case Family::Table: break;
  }
  return "group " + name + order;
}

std::vector<std::vector<int>> FiniteGroup::conjugacy_classes() const {
  std::vector<int> cls(n, -1);
  std::vector<std::vector<int>> out;
  for (int x = 0; x < n; x++) {
    if (cls[x] >= 0) continue;
    std::vector<int> c;
    for (int h = 0; h < n; h++) {
      const int y = compose(compose(h, x), inverse[h]);
      if (cls[y] < 0) cls[y] = static_cast<int>(out.size()), c.push_back(y);
    }
    std::sort(c.begin(), c.end());
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<int> FiniteGroup::class_order() const {
  std::vector<int> order;
  for (const auto& c : conjugacy_classes()) order.insert(order.end(), c.begin(), c.end());
  return order;
}

int FiniteGroup::element_order(int x) const {
  int k = 1;
  for (int y = x; y != 0; y = compose(y, x)) k++;
  return k;
}

bool parse_group_name(const std::string& text, FiniteGroup& out) {
  if (text.size() < 2 || text.size() > 64) return false;
  const char family = text[0];
  if (family == 'Z' && text.find('x') != std::string::npos) {
    std::vector<int> factors;
    std::stringstream ss(text);
    std::string part;
    while (std::getline(ss, part, 'x')) {
      if (part.size() < 2 || part[0] != 'Z') return false;
      const int f = parse_count(part.substr(part[1] == '_' ? 2 : 1));
      if (f < 0) return false;
      if (f < 2) refuse(text + ": a cyclic factor Z" + std::to_string(f) + " must have at least 2 elements");
      factors.push_back(f);
    }
    long long order = 1;
    for (int f : factors) order = std::min<long long>(order * f, kMaxGroupOrder + 1LL);
    if (order > kMaxGroupOrder)
      refuse(text + ": order above " + std::to_string(kMaxGroupOrder) + " (allowed: " + group_bounds() + ")");
    out = cyclic_product(factors, text);
    return true;
  }
  if (family != 'Z' && family != 'D' && family != 'S' && family != 'A') return false;
  const int k = parse_count(text.substr(text[1] == '_' ? 2 : 1));
  if (k < 0) return false;
  const std::string shown = std::string(1, family) + std::to_string(k);
  auto bound = [&](bool ok, const std::string& why) {
    if (!ok) refuse(text + ": " + why + " (allowed: " + group_bounds() + ")");
  };
  switch (family) {
    case 'Z':
      bound(k >= 2 && k <= kMaxGroupOrder, "Z_n needs 2 <= n <= " + std::to_string(kMaxGroupOrder));
      out = cyclic_product({k}, shown);
      return true;
    case 'D':
      bound(k >= 3 && 2 * k <= kMaxGroupOrder, "D_n (order 2n) needs 3 <= n <= " + std::to_string(kMaxGroupOrder / 2));
      out = dihedral(k);
      return true;
    case 'S': bound(k >= 2 && k <= 6, "S_n needs 2 <= n <= 6 (S7 has 25 401 600 pairs)"); break;
    default: bound(k >= 3 && k <= 6, "A_n needs 3 <= n <= 6 (A7 has 6 350 400 pairs)"); break;
  }
  out = permutations(k, family == 'A');
  return true;
}

FiniteGroup named_group(const std::string& text) {
  FiniteGroup g;
  if (!parse_group_name(text, g)) refuse("group: unknown name \"" + text + "\" (allowed: " + group_bounds() + ")");
  return g;
}

FiniteGroup checked_group(std::vector<int> table, std::vector<std::string> labels, const std::string& name) {
  const std::size_t cells = table.size();
  std::size_t n = 0;
  while (n * n < cells) n++;
  if (n * n != cells || n < 2) refuse(name + ": not a square table of at least 2 x 2 entries");
  if (n > static_cast<std::size_t>(kMaxGroupOrder))
    refuse(name + ": " + std::to_string(n) + " elements, more than " + std::to_string(kMaxGroupOrder));
  if (labels.empty())
    for (std::size_t i = 0; i < n; i++) labels.push_back(std::to_string(i));
  FiniteGroup g;
  g.family = FiniteGroup::Family::Table;
  g.name = name;
  g.n = static_cast<int>(n);
  g.table = std::move(table);
  g.labels = std::move(labels);
  for (std::size_t i = 0; i < cells; i++)
    if (g.table[i] < 0 || g.table[i] >= g.n)
      refuse(name + ": not closed: row " + g.labels[i / n] + ", column " + g.labels[i % n] + " holds " +
             std::to_string(g.table[i]) + ", not an element");
  int e = -1;
  for (int x = 0; x < g.n && e < 0; x++) {
    bool id = true;
    for (int y = 0; y < g.n && id; y++) id = g.compose(x, y) == y && g.compose(y, x) == y;
    if (id) e = x;
  }
  if (e < 0) refuse(name + ": no identity (no element e with e ∘ x = x ∘ e = x for every x)");
  for (int x = 0; x < g.n; x++) {
    bool found = false;
    for (int y = 0; y < g.n && !found; y++) found = g.compose(x, y) == e && g.compose(y, x) == e;
    if (!found) refuse(name + ": " + g.labels[x] + " has no inverse");
  }
  check_associative(g);
  // Canonical order: the identity first, the rest in file order.
  std::vector<int> order{e}, index(n);
  for (int x = 0; x < g.n; x++)
    if (x != e) order.push_back(x);
  for (int i = 0; i < g.n; i++) index[order[i]] = i;
  FiniteGroup c = g;
  for (int i = 0; i < g.n; i++) {
    c.labels[i] = g.labels[order[i]];
    for (int j = 0; j < g.n; j++) c.table[static_cast<std::size_t>(i) * n + j] = index[g.compose(order[i], order[j])];
  }
  const std::vector<int> t = c.table;
  return from_rule(std::move(c), g.n, [&](int i, int j) { return t[static_cast<std::size_t>(i) * n + j]; });
}

}  // namespace grok
