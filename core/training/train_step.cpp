#include "core/training/internal/train_step.h"

#include <ATen/CPUGeneratorImpl.h>

#include <stdexcept>

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
    : cfg_(cfg), w_(trainable(std::move(w))), opt_(w_, adamw_options(cfg)), train_(std::move(train)), path_(path) {}

const StepForward& TrainStep::forward(int epoch) {
  ForwardOptions fo;
  const double dropout = cfg_.effective_dropout();
  if (dropout > 0) {
    fo.dropout = dropout;
    fo.rng = at::make_generator<at::CPUGeneratorImpl>(cfg_.seed * 1000003ULL + static_cast<std::uint64_t>(epoch));
  }
  f_.logits = path_ == Path::fast ? forward_fast(w_, train_, fo) : forward_plain(w_, train_, fo);  // [N, V]
  f_.loss = cross_entropy_f64(f_.logits, train_.labels);
  f_.loss_value = f_.loss.item<double>();
  f_.accuracy = static_cast<double>(count_correct(f_.logits, train_.labels)) / train_.size();
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
  opt_.step(w_);
  f_ = StepForward();  // the graph's buffers go now, not at the next forward
}

}  // namespace grok
