// The real irreducible representations of a finite group, computed from its table, so that named
// groups and user tables go through one path (Chughtai et al. 2023: networks trained on a group's
// composition learn a few of them; the Fourier features of Nanda et al. are the cyclic case).
//
// Method (numerical, in float64):
//   1. A random symmetric element of the centre of the group algebra (a combination of the class
//      sums of K and K^-1), acting on functions on G by left translation, has one eigenvalue per
//      real irrep: its eigenspaces are the isotypic components V_rho of the regular
//      representation, which are exactly the spans of rho's matrix entries g -> rho(g)_kl.
//   2. A random symmetric combination of right translations (which commute with the left ones)
//      splits each V_rho into irreducible subspaces; one of them, with orthonormal basis B [n, d],
//      gives rho(g) = B^T L(g) B, orthogonal.
//   3. The type e follows from the character: (1/n) sum chi(g)^2 = 1, 2 or 4 for real, complex and
//      quaternionic type (Frobenius-Schur); V_rho has dimension d^2 / e. A real irrep of complex
//      type is a complex pair chi, conj(chi) (every rotation of Z_n, two of A4's): its character
//      is 2 Re chi. Step 1 is redrawn when a draw leaves eigenvalues too close to tell apart.
// Names where the group is known: Z_n "k=3" (rotation by 2 pi 3 / n), "sign"; products "k=(1,0,2)";
// D_n "rotation k", "det" and the sign characters of r and s; S_n by partition ("standard",
// "standard x sign", "[3,2]"); others "3a", "2 (complex)", "4 (quaternionic)". Order: trivial
// first, then (cyclic groups) by frequency, (others) by dimension.
//
//   const GroupIrreps& R = group_irreps(named_group("S5"));   // computed once per group, cached
//   for (const Irrep& r : R.irreps) std::printf("%s %d\n", r.name.c_str(), r.dim);
//
// Threading: group_irreps may be called from any thread (the cache is locked); results are
// immutable.
#pragma once

#include <string>
#include <vector>

#include "core/base/finite_group.h"

namespace grok {

struct Irrep {
  std::string name;
  int dim = 1;                    // d: real dimension
  int type = 1;                   // e: 1 real, 2 complex, 4 quaternionic
  std::vector<double> matrices;   // [n, d, d] row-major: rho(g), orthogonal, rho(g h) = rho(g) rho(h)
  std::vector<double> character;  // [n]: tr rho(g)
  std::vector<double> span;       // [m, n]: orthonormal basis of the functions g -> rho(g)_kl, m = d^2 / e
  int span_dim() const { return dim * dim / type; }
  const char* type_name() const { return type == 1 ? "real" : type == 2 ? "complex" : "quaternionic"; }
};

struct GroupIrreps {
  std::vector<std::vector<int>> classes;  // conjugacy classes (FiniteGroup::conjugacy_classes)
  std::vector<Irrep> irreps;              // trivial first
  // Sum over irreps of d^2 / e: the group's order when the decomposition is complete.
  int total_span() const;
};

// Throws std::runtime_error if the numerical decomposition fails (it has not on any group here).
const GroupIrreps& group_irreps(const FiniteGroup& G);

}  // namespace grok
