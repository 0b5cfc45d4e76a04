// The task a run learns, described once: a finite binary operation c = a o b over tokens.
//
// Why one home: the data, the training loss, the analysis, the views and the interchange code all
// need to know what a, b and c range over, which pairs exist, what each pair's answer is and in
// which algebraic structure the answers live. They ask the Task; nothing outside task.cpp tests
// which operation a run trains, so a new task (a finite group, one of Power et al.'s operations)
// is a new case here, not an edit of every layer.
//
// Tokens: a and b are tokens 0..p-1, '=' is token p (the model reads "a b =", vocab p + 1); the
// answer c is one of the p tokens 0..p-1 (the model's output has p + 1 logits, '=' the last, as
// the reference code; the analysis drops it). Pairs are indexed by their token row a*p + b.
// The domain is every (a, b), except for divide, which leaves out b = 0.
// The split (data/dataset.h) is Python's random.shuffle of the domain in (a, b) order, seeded,
// the first int(fraction * |domain|) pairs training: the reference rule, unchanged for every
// operation.
// The structure the analysis reads: a cyclic group Z_n with maps tokens -> elements
// (operation_group.h); every operation the app trains has one.
//
//   const Task t(cfg);                       // throws ConfigError (composite p for multiply)
//   t.label(3, 5);                           // (3 + 5) mod 113
//   for (int row : t.domain_rows()) ...      // a*p + b, (a, b) order
//   t.describe();                            // "(a + b) mod 113"
//   t.group().basis_description();           // "frequency k over a, b (Z_113)"
//
// Threading: a plain value.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/base/operation_group.h"

namespace grok {

class Task {
 public:
  explicit Task(const Config& cfg);

  int p() const { return p_; }                // a, b and c are tokens 0..p-1
  int vocab() const { return p_ + 1; }        // input tokens, '=' included
  int equals_token() const { return p_; }     // the '=' token
  int outputs() const { return p_ + 1; }      // logits per pair, '=' the last (never a label)
  int token_rows() const { return p_ * p_; }  // every (a, b) token row a*p + b, in the domain or not
  bool in_domain(int a, int b) const;         // a pair the task defines
  int domain_size() const;                    // |domain|: p*p, or p*(p-1) for divide
  std::vector<int> domain_rows() const;       // a*p + b of every domain pair, (a, b) order
  int label(int a, int b) const;              // c; throws std::invalid_argument outside the domain
  int n_train(double fraction) const { return static_cast<int>(fraction * domain_size()); }
  // The structure the analysis reads (operation_group.h).
  const OperationGroup& group() const { return group_; }
  // "(a + b) mod 113": what `info`, the window and reports name the task by.
  std::string describe() const;
  // "add": the config's operation name, and the reference code's fn_name.
  std::string name() const;
  // The same task (operation and modulus): runs whose curves and checkpoints compare directly.
  bool operator==(const Task& o) const { return op_ == o.op_ && p_ == o.p_; }
  bool operator!=(const Task& o) const { return !(*this == o); }

 private:
  Operation op_;
  int p_;
  OperationGroup group_;
};

}  // namespace grok
