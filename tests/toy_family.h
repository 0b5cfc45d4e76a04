// The toy model family of tests/toy_family.cpp, registered as kToyFamily ("toy-sum").
#pragma once

namespace grok::test {

inline constexpr const char* kToyFamily = "toy-sum";
// Keeps the family's file linked in (its static registers it); true.
bool toy_family_registered();

}  // namespace grok::test
