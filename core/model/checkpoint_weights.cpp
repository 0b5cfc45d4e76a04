#include "core/model/checkpoint_weights.h"

#include <atomic>
#include <stdexcept>

#include "core/model/model_family.h"

#include "core/model/internal/checkpoint_weights.h"

namespace grok {

namespace {
std::atomic<std::uint64_t> g_conversions{0};
}  // namespace

CheckpointWeights::CheckpointWeights(const Config& cfg, std::vector<NamedArray> arrays)
    : impl_(std::make_shared<Impl>()) {
  std::vector<TensorHeader> headers;
  for (const NamedArray& a : arrays) headers.push_back(header_of(a));
  if (const std::string m = checkpoint_mismatch(cfg, headers); !m.empty()) throw std::runtime_error("checkpoint: " + m);
  impl_->cfg = cfg;
  impl_->arrays = std::move(arrays);
}

const Config& CheckpointWeights::config() const { return impl_->cfg; }
const std::vector<NamedArray>& CheckpointWeights::arrays() const { return impl_->arrays; }
void CheckpointWeights::convert() const { (void)tensors(*this); }
std::uint64_t CheckpointWeights::conversions() { return g_conversions.load(); }

const Weights& tensors(const CheckpointWeights& w) {
  auto& impl = const_cast<CheckpointWeights::Impl&>(w.impl());
  std::call_once(impl.once, [&] {
    impl.weights = weights_from_checkpoint(impl.cfg, impl.arrays);
    g_conversions.fetch_add(1);
  });
  return impl.weights;
}

}  // namespace grok
