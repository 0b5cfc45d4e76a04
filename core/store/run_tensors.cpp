// RunStore's tensors: a checkpoint's arrays, and every checkpoint's headers without their data.
#include <cstdint>
#include <nlohmann/json.hpp>

#include "core/base/json_bounded.h"
#include "core/store/internal/sqlite_errors.h"
#include "core/store/internal/tensor_rows.h"
#include "core/store/run_store.h"

namespace grok {

using Kind = RunFileError::Kind;

TensorHeader read_tensor_header(const std::string& path, Stmt& s, int col, std::int64_t bytes,
                                const std::string& where) {
  NamedArray a;  // its header; the size rules are NamedArray's
  a.name = s.text(col);
  const std::string tensor = "tensor " + a.name + where;
  const std::string dtype = s.text(col + 1);
  if (!dtype_from_name(dtype, &a.dtype))
    throw RunFileError(Kind::Damaged, path + ": damaged run file (" + tensor + " has unknown dtype " + dtype + ")");
  // A list of integers, each as written ([16.5, 12] would be cut to [16, 12] by a conversion).
  bool readable = false;
  try {
    const nlohmann::json j = parse_json_bounded<nlohmann::json>(s.text(col + 2));
    readable = j.is_array();
    for (const auto& d : j) {
      readable = readable && d.is_number_integer() && !(d.is_number_unsigned() && d.get<std::uint64_t>() > INT64_MAX);
      if (readable) a.shape.push_back(d.get<std::int64_t>());
    }
  } catch (const std::exception&) {
    readable = false;
  }
  if (!readable)
    throw RunFileError(Kind::Damaged, path + ": damaged run file (" + tensor + " has an unreadable shape)");
  const std::int64_t n = a.numel();  // -1 for a negative or wrapping product
  if (a.shape.size() > 8 || n < 0 || n > (std::int64_t(1) << 34))
    throw RunFileError(Kind::Damaged, path + ": damaged run file (" + tensor + " has a bad shape)");
  if (bytes != n * static_cast<std::int64_t>(a.element_size()))
    throw RunFileError(Kind::Damaged, path + ": damaged run file (" + tensor + " has " + std::to_string(bytes) +
                                          " bytes for its shape)");
  return header_of(a);
}

NamedArray read_array(const std::string& path, Stmt& s, int col) {
  NamedArray a;
  a.bytes = s.blob(col + 3);
  TensorHeader h = read_tensor_header(path, s, col, static_cast<std::int64_t>(a.bytes.size()));
  a.name = std::move(h.name);
  a.dtype = h.dtype;
  a.shape = std::move(h.shape);
  return a;
}

std::vector<NamedArray> RunStore::load_checkpoint(int epoch) const {
  return guarded(path_, [&] {
    std::vector<NamedArray> out;
    Stmt s = db().prepare("SELECT name, dtype, shape, data FROM tensors WHERE epoch = ? ORDER BY rowid");
    s.bind(1, epoch);
    while (s.step()) out.push_back(read_array(path_, s, 0));
    if (out.empty())
      throw RunFileError(Kind::NoCheckpoint, path_ + ": no checkpoint at epoch " + std::to_string(epoch));
    return out;
  });
}

int stored_epoch(const std::string& path, const Stmt& s, const char* what) {
  const std::int64_t e = s.int64(0);
  if (s.text(1) != "integer" || e < 0 || e > kMaxStoredEpoch)
    throw RunFileError(Kind::Damaged, path + ": damaged run file (" + what + " at epoch " + s.text(0) +
                                          ", not a count from 0 to " + std::to_string(kMaxStoredEpoch) + ")");
  return static_cast<int>(e);
}

std::map<int, std::vector<TensorHeader>> RunStore::checkpoint_headers() const {
  return guarded(path_, [&] {
    // Every checkpoint, tensors or none (a checkpoint without its tensors is then missing them), and
    // no tensor of an epoch that is no checkpoint.
    std::map<int, std::vector<TensorHeader>> out;
    const ReadTransaction tx(db());  // the checkpoints and their tensors of one commit
    for (int epoch : checkpoint_epochs()) out[epoch];
    Stmt s = db().prepare(
        "SELECT epoch, typeof(epoch), name, dtype, shape, length(data) FROM tensors ORDER BY epoch, rowid");
    while (s.step()) {
      const int epoch = stored_epoch(path_, s, "a tensor");
      const auto it = out.find(epoch);
      if (it == out.end())
        throw RunFileError(Kind::Damaged, path_ + ": damaged run file (tensors of epoch " + std::to_string(epoch) +
                                              ", which is no checkpoint)");
      it->second.push_back(read_tensor_header(path_, s, 2, s.int64(5), " of checkpoint " + std::to_string(epoch)));
    }
    return out;
  });
}

std::optional<ResumeState> RunStore::load_resume_state() const {
  return guarded(path_, [&]() -> std::optional<ResumeState> {
    const std::string epoch = meta("resume_epoch"), steps = meta("optimizer_steps");
    if (epoch.empty() || steps.empty()) return std::nullopt;
    ResumeState r;
    try {
      r.epoch = std::stoi(epoch);
      r.optimizer_steps = std::stol(steps);
    } catch (const std::exception&) {
      throw RunFileError(Kind::Damaged, path_ + ": damaged run file (unreadable resume state)");
    }
    // A negative step count would turn AdamW's bias correction into NaN at the first step.
    if (r.epoch < 0 || r.epoch > kMaxStoredEpoch || r.optimizer_steps < 0 || r.optimizer_steps > kMaxStoredEpoch)
      throw RunFileError(Kind::Damaged, path_ + ": damaged run file (resume state at epoch " + epoch + " after " +
                                            steps + " optimizer steps)");
    Stmt s = db().prepare("SELECT name, dtype, shape, data, epoch FROM resume_state ORDER BY rowid");
    while (s.step()) {
      if (s.int64(4) != r.epoch)
        throw RunFileError(Kind::Damaged, path_ + ": damaged run file (resume state of mixed epochs)");
      r.optimizer.push_back(read_array(path_, s, 0));
    }
    return r;
  });
}

}  // namespace grok
