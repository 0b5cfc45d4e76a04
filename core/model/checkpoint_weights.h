// A checkpoint's parameters, as stored and as the model computes with them: the one conversion
// from a run file's arrays to tensors, shared by every analysis stage of that checkpoint.
//
// Why: the scrub path used to turn one checkpoint into weights three times (the forward, the
// check table, the per-layer checks). A CheckpointWeights converts on first use and keeps the
// result; copies share it. The process counts its conversions (conversions()) so that a test can
// hold the scrub path to one per checkpoint.
//
//   const CheckpointWeights w(cfg, store.load_checkpoint(epoch));
//   const AllPairForward f = compute_pair_forward(w);   // converts here, once
//   ablation_checks(cfg, w, keys, F, view(f));          // reads the same tensors
//
// The tensors themselves are behind internal/checkpoint_weights.h (ATen); this header is torch-free.
// Threading: the conversion happens once even when several threads ask at once; afterwards reads
// share immutable tensors.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/base/config.h"
#include "core/base/tensor_blob.h"

namespace grok {

class CheckpointWeights {
 public:
  // Throws std::runtime_error("checkpoint: tensor ... ") when the arrays are not the config's
  // family's parameters (model_family.h, checkpoint_mismatch): nothing reads a misshapen array.
  CheckpointWeights(const Config& cfg, std::vector<NamedArray> arrays);
  const Config& config() const;
  const std::vector<NamedArray>& arrays() const;
  // Checks names and shapes now (the conversion), throwing std::runtime_error naming a missing or
  // misshapen tensor; otherwise the first stage that needs the tensors does it.
  void convert() const;
  // Conversions this process has made (every CheckpointWeights converts at most once).
  static std::uint64_t conversions();

  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace grok
