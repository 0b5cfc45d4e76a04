#include "core/analysis/internal/irrep_names.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <tuple>

namespace grok {
namespace {

bool is_trivial(const Irrep& r) {
  return r.dim == 1 && std::all_of(r.character.begin(), r.character.end(), [](double c) { return c > 0.5; });
}

// Z_n1 x ... x Z_nk: the frequency vector k whose (real) character matches; sort key k.
void name_abelian(const FiniteGroup& G, std::vector<Irrep>& irreps, std::vector<std::vector<int>>& keys) {
  const std::vector<int>& f = G.params;
  auto digits = [&](int x) {
    std::vector<int> t(f.size());
    for (std::size_t i = f.size(); i-- > 0;) t[i] = x % f[i], x /= f[i];
    return t;
  };
  for (std::size_t r = 0; r < irreps.size(); r++) {
    for (int kx = 0; kx < G.n; kx++) {
      const std::vector<int> k = digits(kx);
      std::vector<int> neg(k.size());
      bool real = true;
      for (std::size_t i = 0; i < k.size(); i++) neg[i] = (f[i] - k[i]) % f[i], real = real && neg[i] == k[i];
      if (neg < k) continue;  // the pair {k, -k} is named by its smaller member
      bool match = true;
      for (int x = 0; x < G.n && match; x++) {
        const std::vector<int> t = digits(x);
        double phase = 0;
        for (std::size_t i = 0; i < k.size(); i++) phase += 2 * M_PI * k[i] * t[i] / f[i];
        match = std::abs((real ? 1.0 : 2.0) * std::cos(phase) - irreps[r].character[x]) < 1e-6;
      }
      if (!match) continue;
      std::string s;
      for (int v : k) s += (s.empty() ? "" : ",") + std::to_string(v);
      const bool zero = std::all_of(k.begin(), k.end(), [](int v) { return v == 0; });
      irreps[r].name = zero ? "trivial" : f.size() == 1 ? (real ? "sign" : "k=" + s) : "k=(" + s + ")";
      keys[r] = k;
      break;
    }
  }
}

void name_dihedral(const FiniteGroup& G, std::vector<Irrep>& irreps, std::vector<std::vector<int>>& keys) {
  const int m = G.params[0];
  for (std::size_t r = 0; r < irreps.size(); r++) {
    const double cr = irreps[r].character[1], cs = irreps[r].character[m];  // r, s
    if (irreps[r].dim == 1) {
      const int i = (cr < 0) * 2 + (cs < 0);
      static const char* names[] = {"trivial", "det", "alt", "alt x det"};
      irreps[r].name = names[i];
      keys[r] = {0, i};
    } else {
      const int k = static_cast<int>(std::lround(std::acos(std::clamp(cr / 2, -1.0, 1.0)) * m / (2 * M_PI)));
      irreps[r].name = "rotation " + std::to_string(k);
      keys[r] = {1, k};
    }
  }
}

// Partitions of N, largest part first.
void partitions(int N, int max, std::vector<int>& cur, std::vector<std::vector<int>>& out) {
  if (N == 0) return out.push_back(cur);
  for (int k = std::min(N, max); k >= 1; k--) {
    cur.push_back(k);
    partitions(N - k, k, cur, out);
    cur.pop_back();
  }
}

void name_symmetric(const FiniteGroup& G, std::vector<Irrep>& irreps, std::vector<std::vector<int>>& keys) {
  const int N = G.params[0];
  int t = -1;  // the transposition (0 1)
  for (std::size_t i = 0; i < G.permutations.size() && t < 0; i++) {
    std::vector<int> p = G.permutations[i];
    std::swap(p[0], p[1]);
    if (std::is_sorted(p.begin(), p.end())) t = static_cast<int>(i);
  }
  std::vector<std::vector<int>> parts;
  std::vector<int> cur;
  partitions(N, N, cur, parts);
  for (const std::vector<int>& lam : parts) {
    std::vector<int> conj;  // column lengths
    for (int c = 0; c < lam[0]; c++)
      conj.push_back(static_cast<int>(std::count_if(lam.begin(), lam.end(), [&](int l) { return l > c; })));
    double hooks = 1, content = 0;
    for (std::size_t i = 0; i < lam.size(); i++)
      for (int j = 0; j < lam[i]; j++)
        hooks *= (lam[i] - j - 1) + (conj[j] - static_cast<int>(i) - 1) + 1, content += j - static_cast<int>(i);
    double fact = 1;
    for (int k = 2; k <= N; k++) fact *= k;
    const int dim = static_cast<int>(std::lround(fact / hooks));
    const double chi_t = dim * 2.0 * content / (N * (N - 1));
    std::string name = "[";
    for (int l : lam) name += (name.size() > 1 ? "," : "") + std::to_string(l);
    name += "]";
    int rank = 4;
    if (lam.size() == 1)
      name = "trivial", rank = 0;
    else if (lam[0] == 1)
      name = "sign", rank = 1;
    else if (lam.size() == 2 && lam[1] == 1)
      name = "standard", rank = 2;
    else if (lam[0] == 2 && static_cast<int>(lam.size()) == N - 1)
      name = "standard x sign", rank = 3;
    for (std::size_t r = 0; r < irreps.size(); r++)
      if (irreps[r].dim == dim && std::abs(irreps[r].character[t] - chi_t) < 1e-6) {
        irreps[r].name = name;
        keys[r] = {rank, dim};
        for (int l : lam) keys[r].push_back(-l);
      }
  }
}

}  // namespace

void name_irreps(const FiniteGroup& G, std::vector<Irrep>& irreps) {
  std::vector<std::vector<int>> keys(irreps.size());
  switch (G.family) {
    case FiniteGroup::Family::Cyclic:
    case FiniteGroup::Family::CyclicProduct: name_abelian(G, irreps, keys); break;
    case FiniteGroup::Family::Dihedral: name_dihedral(G, irreps, keys); break;
    case FiniteGroup::Family::Symmetric: name_symmetric(G, irreps, keys); break;
    default: break;
  }
  // Any left unnamed (A_n, tables; a family rule that found nothing): by dimension and type.
  std::map<std::pair<int, int>, int> count, seen;
  for (const Irrep& r : irreps)
    if (r.name.empty() && !is_trivial(r)) count[{r.dim, r.type}]++;
  std::vector<std::size_t> order(irreps.size());
  for (std::size_t i = 0; i < order.size(); i++) order[i] = i;
  auto character_key = [&](std::size_t i) {
    std::vector<long long> k;
    for (double c : irreps[i].character) k.push_back(-std::llround(c * 1e6));
    return k;
  };
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::make_tuple(!is_trivial(irreps[a]), keys[a], irreps[a].dim, irreps[a].type, character_key(a)) <
           std::make_tuple(!is_trivial(irreps[b]), keys[b], irreps[b].dim, irreps[b].type, character_key(b));
  });
  std::vector<Irrep> sorted;
  for (std::size_t i : order) {
    Irrep r = std::move(irreps[i]);
    if (is_trivial(r)) r.name = "trivial";
    if (r.name.empty()) {
      const std::pair<int, int> k{r.dim, r.type};
      r.name = std::to_string(r.dim);
      if (count[k] > 1) r.name += static_cast<char>('a' + seen[k]++);
      if (r.type != 1) r.name += std::string(" (") + r.type_name() + ")";
    }
    sorted.push_back(std::move(r));
  }
  irreps = std::move(sorted);
}

}  // namespace grok
