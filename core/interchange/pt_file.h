// PyTorch checkpoint files (torch.save's zip format, PyTorch >= 1.6), read into plain values and
// written so that torch.load(f, weights_only=True) opens them.
//
// The container is read and written by LibTorch's own zip code (caffe2::serialize::PyTorchStream
// Reader/Writer); the pickle inside by pickle.h, which runs nothing. A file is
//   archive/data.pkl    the pickled object; tensors refer to storages by key
//   archive/data/<key>  each storage's bytes, little-endian
//   archive/version     "3"
//
// What a checkpoint file holds, whatever its shape (a bare state dict, one under "model" or
// "state_dict", or a full_run_data-style file with "state_dicts"/"checkpoints"), comes back as a
// PtFile: its state dicts as they are named in the file, every tensor converted to float32.
//
//   PtFile f = read_pt_file("full_run_data.pth");  // throws RunFileError with one line
//   f.checkpoints[0].tensors  -> {"embed.W_E" [128, 114], ...}
//
// Threading: functions of their arguments.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/tensor_blob.h"
#include "core/interchange/pickle.h"

namespace grok {

// Inputs beyond these are refused as oversized (no state dict of the paper's models comes near).
constexpr std::int64_t kMaxPtFileBytes = std::int64_t{16} << 30;
constexpr std::int64_t kMaxPtPickleBytes = std::int64_t{64} << 20;
constexpr int kMaxPtCheckpoints = 100'000;

struct PtCheckpoint {
  std::optional<int> epoch;         // from the file's epoch list or "epoch" entry, if it has one
  std::vector<NamedArray> tensors;  // F32, the file's names and shapes, in the file's order
};

struct PtFile {
  std::vector<PtCheckpoint> checkpoints;
  // Loss lists as the file gives them (one per checkpoint, or one per epoch); empty if none.
  std::vector<double> train_losses, test_losses;
  // The scalar entries of its config dict ("config", or TransformerLens's) as text: "113", "0.3",
  // "add", "true", "null".
  std::map<std::string, std::string> config;
  std::string grokking_lab_config;  // the JSON config our exports carry ("" if absent)
  bool full_run = false;            // a list of checkpoints (full_run_data-style)
};

// Reads a checkpoint file. Throws RunFileError (Missing, Unreadable, Foreign: not a zip torch file,
// the pre-1.6 format, a TorchScript archive, a refused global; Damaged: truncated or inconsistent;
// oversized inputs as Foreign with the limit named). `name` labels messages.
PtFile read_pt_file(const std::string& path);
PtFile read_pt_bytes(const std::string& bytes, const std::string& name);

// The pickle's storages: key -> little-endian bytes, written as archive/data/<key>.
using PtStorages = std::vector<std::pair<std::string, std::vector<unsigned char>>>;

// Writes data.pkl and the storages to `path` through a temporary file renamed into place, so that
// a failure leaves whatever was at `path` untouched. Throws RunFileError (Unwritable, DiskFull, Io).
void write_pt_file(const std::string& path, const std::string& pickle, const PtStorages& storages);
// The same file's bytes, in memory (tests and the fuzzer).
std::string pt_bytes(const std::string& pickle, const PtStorages& storages);

}  // namespace grok
