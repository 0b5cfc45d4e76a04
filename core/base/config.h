// Training configuration: one JSON object, validated field by field.
//
// Every field has the paper's mainline value as its default (REFERENCE.md sections 1-3), so
// `Config{}` is the mainline run. `parse_config` rejects unknown keys, wrong types and values
// outside their range with a one-line ConfigError naming the field and the allowed range.
//
// Every field is described once, in config_fields(): its JSON name, kind, range, help text and the
// member it reads and writes. Parsing, JSON output, the validation messages and the GUI's run panel
// all read that table, so a new field is one line there (and one member here).
//
//   Config c = parse_config(R"({"p": 97, "epochs": 5000})");
//   set_config_value(c, "weight_decay=0.3");
//   for (const ConfigField& f : config_fields()) std::cout << f.name << " = " << config_value_text(c, f) << "\n";
//
// Threading: plain values and a constant table; safe from any thread.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/base/model_names.h"

namespace grok {

enum class Regularizer { WeightDecay, Dropout, L1 };
// The follow-up recipes (training/internal/recipes.h has their formulas and sources).
enum class LossKind { Softmax64, Softmax32, StableMax, Mse };
// The hidden layer's nonlinearity in the MLP families (Gromov's is quadratic); the transformer's is ReLU.
enum class Activation { Relu, Gelu, Quadratic };
enum class GradFilter { None, Ema, Ma };
enum class NormConstraint { None, Global };

struct Config {
  // What the run learns (core/base/task.h lists the names): "add" ... "divide" and Power et al.'s
  // operations mod p, a group's composition ("S5", "D12", "table:FILE"), "S5-conj", "S5-aba".
  // The field `operation` of older configs and run files is read as an alias of `task`.
  std::string task = "add";
  // A table group's table as checked JSON ({"elements": [...], "table": [[...]]}), read from
  // table:FILE when the task is set, so that a run file carries its group; empty otherwise.
  std::string task_table;
  int p = 113;                  // modulus of the mod-p tasks; odd, >= 3; prime for all but add and subtract
  double train_fraction = 0.3;  // share of the task's pairs (Task::domain_size()) used for training
  std::uint64_t seed = 0;       // split (Python random.shuffle) and init (torch.manual_seed)

  // The model family (core/model/model_family.h): "transformer", the paper's, unless another
  // family is registered and named. A run file without the field is a transformer run.
  std::string model = kDefaultModel;

  int n_layers = 1;
  int d_model = 128;
  int n_heads = 4;
  int d_head = 32;
  int d_mlp = 512;
  // Zhong et al. 2023's attention rate: attention = alpha softmax(q k / sqrt(d_head)) + (1 - alpha),
  // every allowed position weighted 1 by the constant part; 1 is the paper's model, 0 constant attention.
  double attention_rate = 1.0;
  Activation activation = Activation::Relu;  // read by the MLP families (model_family.h says who reads what)
  // Doshi et al. 2024: this share of the training pairs (seeded, chosen apart from the split) gets a
  // label drawn uniformly from 0..n-1, which may equal the true one; those pairs count as corrupted.
  double label_noise = 0.0;

  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.98;
  double eps = 1e-8;
  int warmup_steps = 10;  // reference LambdaLR: lr * min(step / warmup_steps, 1)

  // Which regulariser is active (paper Appendix D.1). Only the active one's strength is used:
  // AdamW decays with `weight_decay` only when regularizer == WeightDecay.
  Regularizer regularizer = Regularizer::WeightDecay;
  double weight_decay = 1.0;
  double dropout = 0.0;  // drop probability of MLP neurons (regularizer == Dropout)
  double l1 = 0.0;       // coefficient of sum |theta| added to the loss (regularizer == L1)

  int epochs = 40000;             // number of optimiser steps; metrics are logged for 0..epochs
  int checkpoint_interval = 100;  // reference `save_every`
  // Full test-set evaluation every this many epochs (and at every checkpoint). 10 keeps 4 000
  // points on a 40k-epoch curve, far finer than any feature of grokking, while costing ~7 % of a
  // training step instead of ~75 % when evaluated every epoch.
  int test_interval = 10;
  // Ends the run this many epochs after test accuracy first reaches 99 % (0: off, train to `epochs`),
  // so that a sweep spends nothing on runs long since grokked. The run file records where it stopped.
  int stop_after_grok = 0;

  // The loss the model trains on and is tested with: float64 softmax cross-entropy (the paper's),
  // the same in float32 (shows softmax collapse, Prieto et al. 2025), StableMax (ibid.), or the mean
  // squared error against the one-hot label (Gromov 2023; training/internal/recipes.h).
  LossKind loss = LossKind::Softmax64;
  // Grokfast (Lee et al. 2024): a low-pass filter added to each gradient before the optimizer step.
  // ema: mu <- alpha mu + (1 - alpha) g, g <- g + lambda mu; ma: g <- g + lambda mean(last window g).
  GradFilter grad_filter = GradFilter::None;
  double grokfast_alpha = 0.98;
  double grokfast_lambda = 2.0;
  int grokfast_window = 100;
  // ⊥Grad (Prieto et al. 2025): each parameter's gradient made orthogonal to it, at its own norm.
  bool orthogonal_gradient = false;
  // Omnigrok (Liu et al. 2023): every initial parameter times init_scale; with norm_constraint
  // global, all parameters rescaled together to the starting global norm after every step.
  double init_scale = 1.0;
  NormConstraint norm_constraint = NormConstraint::None;

  double effective_weight_decay() const { return regularizer == Regularizer::WeightDecay ? weight_decay : 0.0; }
  double effective_dropout() const { return regularizer == Regularizer::Dropout ? dropout : 0.0; }
  double effective_l1() const { return regularizer == Regularizer::L1 ? l1 : 0.0; }
  // What the task is (its pairs, labels, split size, group): core/base/task.h, Task(config).
};

// One Config field: everything parsing, printing, checking and editing it needs.
struct ConfigField {
  // Boolean: JSON true / false, listed as the choices "false", "true" for editors. Name: a string
  // from a registry that grows at run time (the model families, model_names.h).
  // Task: a task name (task.h), checked as such; its choices are suggestions an editor may extend.
  enum class Kind { Integer, Number, Choice, Boolean, Name, Task };
  using Member = std::variant<int Config::*, std::uint64_t Config::*, double Config::*, bool Config::*,
                              Regularizer Config::*, LossKind Config::*, GradFilter Config::*, NormConstraint Config::*,
                              Activation Config::*, std::string Config::*>;
  const char* name;  // JSON key, as in run files and `--set name=value`
  Kind kind;
  Member member;                     // the accessor
  double lo, hi;                     // Integer / Number: the allowed range
  bool lo_open, hi_open;             // Number: an end excluded ("in (0, 1)")
  bool odd;                          // Integer: odd values only (p)
  std::vector<const char*> choices;  // Choice: the names, in enum order; Boolean: "false", "true"; Name: see below
  std::string range;                 // the allowed values as messages write them: "integer 1..4", "number in (0, 1)"
  const char* help;                  // one line for a tooltip or `--help`
};

// Every field once, in the order run files and the run panel list them.
const std::vector<ConfigField>& config_fields();
// nullptr if there is none; "operation" finds "task" (its alias).
const ConfigField* find_config_field(std::string_view name);
// The values an editor offers: a Choice's or Boolean's names, a Name field's registered names
// (model_names()), nothing for numbers.
std::vector<std::string> config_field_choices(const ConfigField& f);
// The field's value as JSON writes it ("113", "0.3", "1e-08", "add"): what the run panel shows.
std::string config_value_text(const Config& c, const ConfigField& f);
// Sets one field from text as typed (JSON, or a bare word such as add), checking its kind and
// range; the rules that join fields are left to validate(), so that fields can be set in any
// order. Throws ConfigError naming the field.
void set_config_field(Config& c, const ConfigField& f, const std::string& text);

struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws ConfigError("<field>: <problem> (allowed: <range>)").
Config parse_config(const std::string& json_text);
Config config_from_json(const nlohmann::json& j);
nlohmann::json config_to_json(const Config& c);
std::string config_to_string(const Config& c);  // pretty JSON
// Applies "key=value" (value parsed as JSON, or as a bare string), then re-validates.
void set_config_value(Config& c, const std::string& assignment);
void validate(const Config& c);

const char* to_string(Regularizer r);
const char* to_string(LossKind l);
const char* to_string(Activation a);
const char* to_string(GradFilter g);
// The follow-up recipes `c` switches on, in one line for `info` and the window ("loss stablemax;
// Grokfast ema (alpha 0.98, lambda 2); ..."); "" for the paper's training.
std::string recipe_summary(const Config& c);

}  // namespace grok
