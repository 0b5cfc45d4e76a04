// The group an operation lives in, so that one Fourier analysis serves every operation the app trains.
//
// Each operation is written as addition in a cyclic group Z_n of "elements", with a map from tokens
// to elements: a -> i, b -> j, c -> k, and the rule i + j = k (mod n).
//
//   operation  group                     a -> i       b -> j          c -> k     outside the group
//   a + b      Z_p                       a            b               c          -
//   a - b      Z_p                       a            -b              c          -
//   a * b      Z_(p-1), p prime          log_g a      log_g b         log_g c    a = 0 or b = 0 (c = 0)
//   a / b      Z_(p-1), p prime          log_g a      -log_g b        log_g c    a = 0 (c = 0); b != 0 always
//
// g is the smallest primitive root mod p: every nonzero residue is g^i for one i in 0..p-2. The
// network is expected to learn Fourier features of i, j and k (Nanda et al.'s circuit, with a + b
// read in the group): the analysis gathers its logits, activations and weights into element order
// and runs the Fourier basis of Z_n on them. The zero token is not an element of Z_(p-1): pairs
// with a zero operand are measured apart ("outside the group").
//
//   const OperationGroup g = operation_group(Operation::Multiply, 113);   // Z_112, g = 3
//   int a = g.a_token(i), b = g.b_token(j), c = g.c_token((i + j) % g.n);  // a * b == c (mod 113)
//
// Threading: a plain value.
#pragma once

#include <string>
#include <vector>

#include "core/base/config.h"

namespace grok {

struct OperationGroup {
  Operation op = Operation::Add;
  int p = 0;                 // tokens 0..p-1
  int n = 0;                 // the group's order: p, or p - 1 for the multiplicative group
  int generator = 0;         // the primitive root g of a multiplicative group; 0 for Z_p
  int b_sign = 1;            // j = b_sign * element(b): -1 where the operation inverts b
  std::vector<int> element;  // [p]: token -> element, -1 outside the group (token 0 of Z_p^*)
  std::vector<int> token;    // [n]: element -> token

  bool multiplicative() const { return generator != 0; }
  int a_token(int i) const { return token[i]; }
  int b_token(int j) const { return token[((b_sign * j) % n + n) % n]; }
  int c_token(int k) const { return token[k]; }
  // The elements of an input pair's operands, or -1 when the pair lies outside the group.
  int a_element(int a) const { return element[a]; }
  int b_element(int b) const { return element[b] < 0 ? -1 : ((b_sign * element[b]) % n + n) % n; }
  // "Z_113" or "Z_112".
  std::string name() const;
  // What a frequency axis runs over: "x" or "log_3 x".
  std::string coordinate(const std::string& x = "x") const;
  // One line for views and reports: "frequency k over a, b (Z_113)" or "frequency k over log_3 a, log_3 b (Z_112)".
  std::string basis_description() const;
};

// Throws ConfigError when p does not suit the operation (composite p for multiply or divide).
// A run's group comes from its task: Task(cfg).group() (task.h).
OperationGroup operation_group(Operation op, int p);

bool is_prime(int n);
// The smallest primitive root modulo the prime p.
int primitive_root(int p);

}  // namespace grok
