// Names and order of a group's real irreps (irreps.h), from their characters and what the group's
// family says about them: frequencies for cyclic groups and their products, rotations and sign
// characters for dihedral groups, partitions for symmetric groups (matched by dimension and the
// character of a transposition, which the hook length and content formulas give), dimensions and
// types otherwise. Trivial first. Core-internal.
#pragma once

#include <vector>

#include "core/analysis/irreps.h"

namespace grok {

void name_irreps(const FiniteGroup& G, std::vector<Irrep>& irreps);

}  // namespace grok
