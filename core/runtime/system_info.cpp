#include "core/runtime/system_info.h"

#include <ATen/ATen.h>
#include <torch/version.h>

#include "core/runtime/blas_kernels.h"

#include <filesystem>
#include <fstream>

namespace grok {

std::string torch_version() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

std::string blas_library() {
  // Make sure BLAS is loaded before looking for it: LibTorch loads it lazily on the first GEMM.
  (void)at::matmul(at::ones({2, 2}), at::ones({2, 2}));
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const auto pos = line.find('/');
    if (pos == std::string::npos) continue;
    const std::string path = line.substr(pos);
    if (path.find("libblas.so") != std::string::npos || path.find("libopenblas") != std::string::npos) {
      std::error_code ec;
      const auto real = std::filesystem::canonical(path, ec);
      const std::string core = openblas_core();
      return (ec ? path : real.string()) + (core.empty() ? "" : " (" + core + " kernels)");
    }
  }
  return "unknown";
}

}  // namespace grok
