#include "core/base/tensor_blob.h"

namespace grok {

std::int64_t NamedArray::numel() const {
  std::int64_t n = 1;
  for (auto s : shape)
    if (s < 0 || __builtin_mul_overflow(n, s, &n)) return -1;  // a wrapped product would pass for a small one
  return n;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); i++) out += (i ? ", " : "") + std::to_string(shape[i]);
  return out + "]";
}

std::size_t NamedArray::element_size() const { return dtype == DType::F32 ? 4 : 8; }

const char* dtype_name(DType d) {
  switch (d) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I64: return "int64";
  }
  return "?";
}

bool dtype_from_name(const std::string& s, DType* out) {
  if (s == "float32")
    *out = DType::F32;
  else if (s == "float64")
    *out = DType::F64;
  else if (s == "int64")
    *out = DType::I64;
  else
    return false;
  return true;
}

}  // namespace grok
