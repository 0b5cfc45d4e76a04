#include "core/training/internal/train_step.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>
#include <tuple>
#include <utility>

#include "core/base/task.h"
#include "core/training/internal/cross_entropy.h"
#include "core/training/internal/step_numerics.h"

namespace grok {

AdamWOptions adamw_options(const Config& c) {
  AdamWOptions o;
  o.lr = c.lr;
  o.beta1 = c.beta1;
  o.beta2 = c.beta2;
  o.eps = c.eps;
  o.weight_decay = c.effective_weight_decay();
  o.warmup_steps = c.warmup_steps;
  return o;
}

namespace {

Weights trainable(Weights w) {
  w.set_requires_grad(true);
  return w;
}

}  // namespace

TrainStep::TrainStep(const Config& cfg, Weights w, Batch train, Path path)
    : cfg_(cfg),
      w_(trainable(std::move(w))),
      opt_(w_, adamw_options(cfg)),
      train_(std::move(train)),
      path_(path),
      filter_(cfg, w_),
      norm_target_(cfg.norm_constraint == NormConstraint::Global ? global_norm(w_) : 0.0),
      n_(Task(cfg).p()) {}

const StepForward& TrainStep::forward(int epoch, bool numerics) {
  ForwardOptions fo;
  const double dropout = cfg_.effective_dropout();
  if (dropout > 0) {
    fo.dropout = dropout;
    fo.rng = at::make_generator<at::CPUGeneratorImpl>(cfg_.seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
  }
  const ModelFamilyImpl& model = model_impl(cfg_);
  f_.logits = path_ == Path::fast ? model.forward(cfg_, w_, train_, fo, nullptr)
                                  : model.forward_reference(cfg_, w_, train_, fo, nullptr);  // [N, V]
  // run_loss's operations, keeping the picked log-probabilities for the zero-loss share.
  at::Tensor picked;
  if (cfg_.loss == LossKind::Mse) {
    f_.loss = one_hot_mse(f_.logits, train_.labels, n_);
  } else if (cfg_.loss == LossKind::Softmax64) {
    std::tie(f_.loss, picked) = cross_entropy64(f_.logits, train_.labels);
  } else {
    picked = log_probs(f_.logits, cfg_.loss).gather(1, train_.labels.unsqueeze(1));  // [N, 1]
    f_.loss = -picked.mean();
  }
  f_.loss_value = f_.loss.item<double>();
  f_.accuracy = static_cast<double>(count_correct(f_.logits, train_.labels, n_)) / train_.size();
  if (train_.true_labels.defined()) {
    const at::Tensor right = f_.logits.detach().narrow(1, 0, n_).argmax(1);
    const std::int64_t k = train_.corrupted;
    auto share = [](const at::Tensor& hit) { return hit.to(at::kDouble).mean().item<double>(); };
    f_.accuracy_true = share(right.eq(train_.true_labels));
    f_.corrupted_accuracy = share(right.narrow(0, 0, k).eq(train_.labels.narrow(0, 0, k)));
    f_.corrupted_accuracy_true = share(right.narrow(0, 0, k).eq(train_.true_labels.narrow(0, 0, k)));
  }
  numerics_.reset();
  numerics_done_ = false;
  if (numerics) {
    numerics_ = NumericsRecord{epoch, {}};
    if (picked.defined()) add_forward_numerics(f_.logits, picked, *numerics_);  // mse: no log-probabilities
  }
  return f_;
}

void TrainStep::update() {
  if (!f_.loss.defined()) throw std::logic_error("TrainStep::update without a forward pass");
  at::Tensor loss = f_.loss;
  if (const double l1 = cfg_.effective_l1(); l1 > 0) {
    at::Tensor penalty = at::zeros({}, at::kDouble);
    for (const auto& t : w_.list()) penalty = penalty + t.abs().sum();
    loss = loss + l1 * penalty;
  }
  w_.zero_grad();
  loss.backward();
  if (numerics_) add_gradient_numerics(w_, *numerics_), numerics_done_ = true;
  filter_.apply(w_);
  if (cfg_.orthogonal_gradient) orthogonalize_gradients(w_);
  opt_.step(w_);
  if (cfg_.norm_constraint == NormConstraint::Global) rescale_to_norm(w_, norm_target_);
  f_ = StepForward();  // the graph's buffers go now, not at the next forward
}

std::optional<NumericsRecord> TrainStep::take_numerics() {
  if (!numerics_done_) return std::nullopt;
  numerics_done_ = false;
  return std::exchange(numerics_, std::nullopt);
}

namespace {
constexpr const char* kNormTarget = "norm_constraint.target";
}

std::vector<NamedArray> TrainStep::state() const {
  std::vector<NamedArray> out = opt_.state();
  for (NamedArray& a : filter_.state()) out.push_back(std::move(a));
  if (cfg_.norm_constraint == NormConstraint::Global)
    out.push_back(to_named_array(kNormTarget, at::full({1}, norm_target_, at::kDouble)));
  return out;
}

void TrainStep::load_state(const std::vector<NamedArray>& arrays, long optimizer_steps) {
  opt_.load_state(arrays, optimizer_steps);
  filter_.load_state(arrays);
  if (cfg_.norm_constraint == NormConstraint::Global)
    for (const NamedArray& a : arrays)
      if (a.name == kNormTarget) norm_target_ = from_named_array(a).item<double>();
}

}  // namespace grok
