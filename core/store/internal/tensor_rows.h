// Reading a stored tensor's row (name, dtype, shape, data) with every claim checked: the dtype is
// known, the shape parses, has at most 8 dimensions and a product that neither wraps nor exceeds
// 2^34 elements, and the data has exactly the bytes the shape says. Shared by the checkpoints and
// the resume state (run_store.cpp, run_tensors.cpp). Throws RunFileError(Damaged) naming the tensor.
#pragma once

#include <cstdint>
#include <string>

#include "core/base/tensor_blob.h"
#include "core/store/internal/sqlite_db.h"

namespace grok {

// The header from columns col (name), col+1 (dtype), col+2 (shape); `bytes` is the data's length,
// checked against the shape. `where`: " of checkpoint 20" or "" for the message.
TensorHeader read_tensor_header(const std::string& path, Stmt& s, int col, std::int64_t bytes,
                                const std::string& where = "");
// The header and its data (column col+3).
NamedArray read_array(const std::string& path, Stmt& s, int col);

// A stored epoch (a checkpoint's, a tensor's, the resume state's) is a count the config allows.
constexpr std::int64_t kMaxStoredEpoch = 10'000'000;
// Column 0, an epoch, and column 1, its typeof(): an integer in [0, kMaxStoredEpoch], or
// RunFileError(Damaged) naming `what` ("a checkpoint").
int stored_epoch(const std::string& path, const Stmt& s, const char* what);

}  // namespace grok
