// The group a task is a composition in, so that one analysis serves every task the app trains
// that has one (task.h says which do not).
//
// Each task is written as composition in a finite group G of "elements" (finite_group.h), with a
// map from tokens to elements: a -> i, b -> j, c -> k, and the rule i o j = k in G.
//
//   task       group                     a -> i       b -> j          c -> k     outside the group
//   a + b      Z_p                       a            b               c          -
//   a - b      Z_p                       a            -b              c          -
//   a * b      Z_(p-1), p prime          log_g a      log_g b         log_g c    a = 0 or b = 0 (c = 0)
//   a / b      Z_(p-1), p prime          log_g a      -log_g b        log_g c    a = 0 (c = 0); b != 0 always
//   S5, D12... the group itself          a            b               c          -
//
// g is the smallest primitive root mod p: every nonzero residue is g^i for one i in 0..p-2. The
// network is expected to learn the irreducible representations of G (Fourier features of i, j
// and k for the cyclic groups: Nanda et al.'s circuit, with a + b read in the group; Chughtai et
// al. 2023 for the others): the analysis gathers its logits, activations and weights into element
// order and runs G's basis on them. The zero token is not an element of Z_(p-1): pairs with a
// zero operand are measured apart ("outside the group").
//
//   const OperationGroup g = operation_group("multiply", 113);          // Z_112, g = 3
//   int a = g.a_token(i), b = g.b_token(j), c = g.c_token(g.compose(i, j));  // a * b == c (mod 113)
//
// Threading: a plain value (the group's table is shared, immutable).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/finite_group.h"

namespace grok {

struct OperationGroup {
  std::string task;                      // the task's name: "add", "multiply", "S5"
  int p = 0;                             // tokens 0..p-1
  int n = 0;                             // the group's order: p, p - 1 for the multiplicative group, |G|
  int generator = 0;                     // the primitive root g of a multiplicative group; 0 otherwise
  bool invert_b = false;                 // j = element(b)^-1: where the operation inverts b (subtract, divide)
  std::shared_ptr<const FiniteGroup> G;  // the table (Z_n for the mod-p tasks)
  std::vector<int> element;              // [p]: token -> element, -1 outside the group (token 0 of Z_p^*)
  std::vector<int> token;                // [n]: element -> token

  bool multiplicative() const { return generator != 0; }
  // A cyclic group read with today's Fourier basis (cos/sin pairs of frequencies 1..n/2).
  bool cyclic() const { return G && G->family == FiniteGroup::Family::Cyclic; }
  int compose(int i, int j) const { return G->compose(i, j); }
  int a_token(int i) const { return token[i]; }
  int b_token(int j) const { return token[invert_b ? G->inverse[j] : j]; }
  int c_token(int k) const { return token[k]; }
  // The elements of an input pair's operands, or -1 when the pair lies outside the group.
  int a_element(int a) const { return element[a]; }
  int b_element(int b) const { return element[b] < 0 ? -1 : invert_b ? G->inverse[element[b]] : element[b]; }
  // "Z_113", "Z_112", "S5".
  std::string name() const;
  // What a frequency axis runs over: "x" or "log_3 x".
  std::string coordinate(const std::string& x = "x") const;
  // One line for views and reports: "frequency k over a, b (Z_113)", "frequency k over log_3 a,
  // log_3 b (Z_112)", "irreps of S5 over a, b".
  std::string basis_description() const;
};

// The group of a mod-p task (add, subtract, multiply, divide); throws ConfigError when p does not
// suit it (composite p for multiply or divide). A run's group comes from its task: Task(cfg).group().
OperationGroup operation_group(const std::string& task, int p);
// A group's own composition task: tokens are the elements in canonical order.
OperationGroup group_task(std::shared_ptr<const FiniteGroup> G);

bool is_prime(int n);
// The smallest primitive root modulo the prime p.
int primitive_root(int p);

}  // namespace grok
