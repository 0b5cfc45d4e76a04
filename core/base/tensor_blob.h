// A named dense array as stored in a run file, with no torch type in sight, so that the run store,
// the GUI and the tests can read checkpoints without LibTorch headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace grok {

enum class DType { F32, F64, I64 };

struct NamedArray {
  std::string name;  // reference state_dict name, e.g. "blocks.0.mlp.W_in"
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;   // row-major
  std::vector<unsigned char> bytes;  // little-endian, numel * element size

  // The product of the shape; -1 for a shape no array can have (a negative or overflowing one).
  std::int64_t numel() const;
  std::size_t element_size() const;
  const float* f32() const { return reinterpret_cast<const float*>(bytes.data()); }
  const double* f64() const { return reinterpret_cast<const double*>(bytes.data()); }
};

// What a stored tensor claims to be, without its bytes: what the checks against a model family
// read (core/model/model_family.h, checkpoint_mismatch).
struct TensorHeader {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::int64_t> shape;
};
inline TensorHeader header_of(const NamedArray& a) { return {a.name, a.dtype, a.shape}; }
std::string shape_text(const std::vector<std::int64_t>& shape);  // "[128, 114]"

const char* dtype_name(DType d);  // "float32", "float64", "int64" (numpy names)
bool dtype_from_name(const std::string& s, DType* out);

}  // namespace grok
