// grokking-cli group: a group's order, conjugacy classes and real irreducible representations with
// their characters (core/analysis/irreps.h), for a named group or a user's table.
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_args.h"
#include "core/analysis/irreps.h"
#include "core/base/finite_group.h"

namespace grok::cli {

namespace {

const char* kGroupUsage =
    "usage: grokking-cli group NAME|table:FILE [--json]\n"
    "  NAME        Z12, Z2xZ2xZ3, D12 (order 24), S5, A5 (S_n and A_n up to n = 6)\n"
    "  table:FILE  a group of your own: an n x n table as JSON ([[...]] or {\"elements\", \"table\"}) or CSV,\n"
    "              checked (closed, associative, identity, inverses); a table that is no group exits 2\n"
    "  --json      {\"order\": n, \"classes\": [{\"size\", \"representative\", \"element_order\"}],\n"
    "              \"irreps\": [{\"name\", \"dim\", \"type\", \"character\": [one value per class]}]}\n";

// Characters print as integers where they are, else with 4 decimals.
std::string number(double x) {
  char buf[32];
  if (std::abs(x - std::round(x)) < 1e-9)
    std::snprintf(buf, sizeof buf, "%.0f", std::round(x) + 0.0);
  else
    std::snprintf(buf, sizeof buf, "%.4f", x);
  return buf;
}

}  // namespace

int cmd_group(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {}, {"--help", "--json"});
  if (a.has("--help")) return std::printf("%s", kGroupUsage), 0;
  if (a.positional.size() != 1) throw UsageError("group: expected one group name or table:FILE (see --help)");
  const std::string spec = a.positional[0];
  const FiniteGroup G = spec.rfind("table:", 0) == 0 ? group_from_table_file(spec.substr(6)) : named_group(spec);
  const GroupIrreps& R = group_irreps(G);
  if (a.has("--json")) {
    nlohmann::json classes = nlohmann::json::array(), irreps = nlohmann::json::array();
    for (const auto& c : R.classes)
      classes.push_back(
          {{"size", c.size()}, {"representative", G.labels[c[0]]}, {"element_order", G.element_order(c[0])}});
    for (const Irrep& r : R.irreps) {
      nlohmann::json chi = nlohmann::json::array();
      for (const auto& c : R.classes) chi.push_back(std::abs(r.character[c[0]]) < 1e-12 ? 0.0 : r.character[c[0]]);
      irreps.push_back({{"name", r.name}, {"dim", r.dim}, {"type", r.type_name()}, {"character", chi}});
    }
    const nlohmann::json j = {{"group", G.name},        {"description", G.describe()}, {"order", G.n},
                              {"abelian", G.abelian()}, {"classes", classes},          {"irreps", irreps}};
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  std::printf("%s: %zu conjugacy classes, %zu real irreducible representations\n\n", G.describe().c_str(),
              R.classes.size(), R.irreps.size());
  std::printf("%-40s", "conjugacy class: size");
  for (const auto& c : R.classes) std::printf(" %8zu", c.size());
  std::printf("\n%-40s", "element order");
  for (const auto& c : R.classes) std::printf(" %8d", G.element_order(c[0]));
  std::printf("\n%-40s", "representative");
  for (const auto& c : R.classes) std::printf(" %8.8s", G.labels[c[0]].c_str());
  std::printf("\n\n%-22s %4s %-13s %s\n", "irrep", "dim", "type", "character (2 Re chi for a complex pair)");
  for (const Irrep& r : R.irreps) {
    std::printf("%-22s %4d %-13s", r.name.c_str(), r.dim, r.type_name());
    for (const auto& c : R.classes) std::printf(" %8s", number(r.character[c[0]]).c_str());
    std::printf("\n");
  }
  std::printf("\nsum of d^2 / e = %d (e = 1, 2, 4 for real, complex, quaternionic type)\n", R.total_span());
  return 0;
}

}  // namespace grok::cli
