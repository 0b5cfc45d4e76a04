// A finite group as its multiplication table, built by name or read from a user's table file.
//
// Why a table: every group the app trains on (Chughtai et al. 2023: S_n, A_n, dihedral, cyclic,
// their products; a group of the user's own) is small enough (at most 1 024 elements, 1 048 576
// pairs) that its table is the simplest exact description, and the representation theory
// (analysis/irreps.h), the task's labels (task.h) and the views' element order all read it.
//
// Canonical element order (the tokens of a group task; identity first, always element 0):
//   Z_n            0, 1, ..., n-1 (a + b mod n)
//   Z_a x Z_b ...  tuples (x_1, ..., x_k) in lexicographic order, componentwise addition
//   D_n            r^0, r^1, ..., r^(n-1), s, r s, ..., r^(n-1) s (order 2n; s r = r^-1 s)
//   S_n, A_n       permutations of 0..n-1 in lexicographic order of their one-line notation
//                  (A_n: the even ones); (a o b)(x) = a(b(x)): b is applied first
//   table:FILE     the file's elements, the identity moved to the front, the rest in file order
//
//   FiniteGroup g = named_group("S5");                  // throws ConfigError for "S9", "D0"...
//   int c = g.compose(3, 7);                           // 3 o 7
//   FiniteGroup t = group_from_table_file("q8.csv");   // checked: closed, associative, e, inverses
//
// Threading: plain values; the functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace grok {

struct FiniteGroup {
  enum class Family { Cyclic, CyclicProduct, Dihedral, Symmetric, Alternating, Table };
  Family family = Family::Cyclic;
  std::string name;                 // "S5", "Z12", "Z2xZ2xZ3", "D12", "A5", "table:q8.csv"
  std::vector<int> params;          // Cyclic/CyclicProduct: the factors; Dihedral, Symmetric, Alternating: n
  int n = 0;                        // order
  std::vector<int> table;           // [n*n]: table[i*n + j] = i o j
  std::vector<int> inverse;         // [n]
  std::vector<std::string> labels;  // [n]: "(0 1 2)", "r^3 s", "(1,0,2)", "7", or the table file's names
  // The permutation of each element (Symmetric, Alternating): [n][degree], one-line notation.
  std::vector<std::vector<int>> permutations;

  int compose(int i, int j) const { return table[static_cast<std::size_t>(i) * n + j]; }
  bool abelian() const;
  // "symmetric group S_5 (order 120)": one line for info, the window and reports.
  std::string describe() const;
  // Conjugacy classes, each ascending, ordered by their smallest element (the identity's first).
  std::vector<std::vector<int>> conjugacy_classes() const;
  // The element order (conjugacy classes in turn, then canonical) the maps show structure in.
  std::vector<int> class_order() const;
  int element_order(int g) const;
};

// The largest order a group task may have: its pairs (order^2) are the training set's candidates.
constexpr int kMaxGroupOrder = 1024;

// Parses "Z12" / "Z_12", "Z2xZ2xZ3", "D12" (order 24), "S5", "A5"; n within the bounds (Z_n:
// 2..1024; S_n, A_n: n <= 6; D_n: 2n <= 1024, n >= 3). Throws ConfigError in one line naming the
// problem. Returns false (and leaves `out` alone) for text that is no group name at all.
bool parse_group_name(const std::string& text, FiniteGroup& out);
FiniteGroup named_group(const std::string& text);

// A user's table: JSON ([[...]] of integers 0..n-1, or {"elements": [names], "table": [[names or
// integers]]}) or CSV (n rows of n integers, or a header row and first column of names). Checked:
// square, every entry an element, an identity, inverses, associative; a failure throws ConfigError
// naming it, for associativity a failing triple "(3 o 5) o 7 != 3 o (5 o 7)". The file is read
// through a bounded reader (at most 16 MiB). `name` becomes the group's name.
FiniteGroup group_from_table_text(const std::string& text, bool json, const std::string& name);
FiniteGroup group_from_table_file(const std::string& path);
// The group as table JSON, {"elements": [labels], "table": [[...]]}: how a config carries a table
// group (config.h task_table), read back by group_from_table_text.
std::string group_table_json(const FiniteGroup& g);
// The same check of a table in memory (row-major n x n; labels may be empty).
FiniteGroup checked_group(std::vector<int> table, std::vector<std::string> labels, const std::string& name);

}  // namespace grok
