// The task a run learns, described once: a finite binary operation c = a o b over tokens.
//
// Why one home: the data, the training loss, the analysis, the views and the interchange code all
// need to know what a, b and c range over, which pairs exist, what each pair's answer is and in
// which algebraic structure the answers live. They ask the Task; nothing outside task.cpp tests
// which operation a run trains.
//
// The config's `task` names it (docs/tasks.md lists every name):
//   mod p (p from the config):  add, subtract, multiply, divide (b != 0), mixed (a/b if b is odd,
//                               else a - b; b != 0), x2+y2, x2+xy+y2, x2+xy+y2+x, x3+xy, x3+xy2+y
//                               (Power et al. 2022's operations; every one but add and subtract
//                               needs a prime p)
//   a group's composition:      Z12, Z2xZ2xZ3, D12, S5, A5, table:FILE (finite_group.h)
//   on a group, not a group's composition: S5-conj (a o b o a^-1), S5-aba (a o b o a)
// Tokens: a and b are tokens 0..p()-1, '=' is token p() (the model reads "a b =", vocab p() + 1);
// the answer c is one of the p() tokens (the model's output has p() + 1 logits, '=' the last, as
// the reference code; the analysis drops it). For a mod-p task p() is the modulus; for a group
// task it is the group's order, one token per element in the group's canonical order (identity
// first), and the config's `p` is unused. Pairs are indexed by their token row a*p() + b.
// The split (data/dataset.h) is Python's random.shuffle of the domain in (a, b) order, seeded,
// the first int(fraction * |domain|) pairs training: the reference rule, for every task.
// The structure the analysis reads: the group the task is a composition in, with maps tokens ->
// elements (operation_group.h), when it is one; else has_group() is false and group_reason() says
// why, so that the analysis can say which measures are not defined.
//
//   const Task t(cfg);                       // throws ConfigError (composite p for multiply, S9)
//   t.label(3, 5);                           // (3 + 5) mod 113
//   for (int row : t.domain_rows()) ...      // a*p + b, (a, b) order
//   t.describe();                            // "(a + b) mod 113", "a ∘ b in S5"
//
// Tasks are built once per config and shared (a process-wide cache keyed by task, p and table):
// S6's 518 400 labels and a table's checks are not redone by every caller. Threading: a Task is
// an immutable value; the cache is locked.
#pragma once

#include <cstdint>
#include <memory>
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
  int domain_size() const;                    // |domain|
  std::vector<int> domain_rows() const;       // a*p + b of every domain pair, (a, b) order
  int label(int a, int b) const;              // c; throws std::invalid_argument outside the domain
  int n_train(double fraction) const { return static_cast<int>(fraction * domain_size()); }
  // Whether the task is a composition in a group the analysis can read (add ... divide, the
  // groups), and if not why: "a ∘ b ∘ a⁻¹ is not a group's composition" ...
  bool has_group() const;
  const std::string& group_reason() const;
  // The structure the analysis reads (operation_group.h); throws std::logic_error without one.
  const OperationGroup& group() const;
  // Whether the config's p is read (the mod-p tasks) or unused (groups).
  bool uses_p() const;
  // "(a + b) mod 113", "a ∘ b in S5": what `info`, the window and reports name the task by.
  std::string describe() const;
  // The config's task name: "add", "S5", "table:q8.csv"; the reference code's fn_name for add ...
  std::string name() const;
  // The element a token stands for, as the views label it: "17", "(0 1 2)", "r^3 s".
  std::string token_label(int t) const;
  // The same task (name, tokens and labels): runs whose curves and checkpoints compare directly.
  bool operator==(const Task& o) const;
  bool operator!=(const Task& o) const { return !(*this == o); }

  struct Data;

 private:
  std::shared_ptr<const Data> d_;
  int p_ = 0;
};

// Every task name the config accepts, for help texts: "add, subtract, ..., table:FILE".
const std::string& task_names_help();
// Checks a task name as the config field does (a table file is read and checked where the config
// is parsed); throws ConfigError naming the problem.
void check_task_name(const std::string& name);

}  // namespace grok
