// What the numbers were measured on: LibTorch version, the BLAS library actually loaded.
#pragma once

#include <string>

namespace grok {

std::string torch_version();
// The shared library that provides BLAS in this process (resolved path of libblas.so.3 or
// OpenBLAS), read from /proc/self/maps, with OpenBLAS's kernel family; "unknown" where that is not
// available.
std::string blas_library();

}  // namespace grok
