#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <sstream>
#include <system_error>

#include "core/base/task.h"

#include "core/analysis/checkpoint_analysis.h"
#include "core/data/dataset.h"
#include "core/interchange/pt_file.h"
#include "core/model/internal/checkpoint_weights.h"
#include "core/model/internal/model_family_impl.h"
#include "core/model/internal/weights.h"
#include "core/store/run_store.h"
#include "core/training/internal/recipes.h"
#include "core/training/internal/train_step.h"
#include "core/training/trainer.h"
#include "core/transfer/transfer.h"

namespace grok {

namespace {

struct Plan {
  PtFile file;
  std::vector<std::vector<NamedArray>> tensors;  // per checkpoint, the run file's layout
  ImportPtResult result;
};

[[noreturn]] void refuse(RunFileError::Kind k, const std::string& file, const std::string& what) {
  throw RunFileError(k, file + ": " + what);
}

bool same(const ModelShape& a, const ModelShape& b) {
  return a.model == b.model && a.p == b.p && a.n_layers == b.n_layers && a.d_model == b.d_model &&
         a.n_heads == b.n_heads && a.d_head == b.d_head && a.d_mlp == b.d_mlp;
}

// What the authors' config names say of the task (their train.py), as --set assignments.
std::vector<std::string> authors_settings(const std::map<std::string, std::string>& c, const std::string& file) {
  std::vector<std::string> out;
  if (auto it = c.find("fn_name"); it != c.end()) {
    try {  // the authors' four, or any task of ours (export-pt writes its name); a table needs its table
      check_task_name(it->second);
      if (it->second.find("table:") != std::string::npos) throw ConfigError("a table task without its table");
    } catch (const ConfigError&) {
      refuse(RunFileError::Kind::Foreign, file,
             "trained on fn_name " + it->second.substr(0, 64) + ", which is no task of Grokking Lab's (docs/tasks.md)");
    }
    out.push_back("task=" + it->second);
  }
  for (const auto& [from, to] : std::map<std::string, std::string>{
           {"frac_train", "train_fraction"}, {"seed", "seed"}, {"lr", "lr"}, {"weight_decay", "weight_decay"}})
    if (auto it = c.find(from); it != c.end()) out.push_back(to + "=" + it->second);
  return out;
}

std::string key_of(const std::string& assignment) { return assignment.substr(0, assignment.find('=')); }

// The file's token i is our token order[i]: the embeddings' rows, the outputs' columns moved.
// `swap`: the operands exchanged (a's embedding and b's, W's two row blocks, fc1's two halves).
std::vector<NamedArray> remap(const Config& c, const std::vector<NamedArray>& ck, const at::Tensor& order, bool swap) {
  std::map<std::string, at::Tensor> w;
  for (const NamedArray& a : ck) w[a.name] = from_named_array(a);
  const std::int64_t n = order.size(0);
  auto rows = [&](const at::Tensor& t) { return at::zeros_like(t).index_copy_(0, order, t); };
  auto cols = [&](const at::Tensor& t) { return at::zeros_like(t).index_copy_(1, order, t); };
  std::vector<NamedArray> out;
  if (c.model == "mlp") {
    const std::int64_t D = c.d_model;
    at::Tensor Wx = rows(w["W_x"]), Wy = rows(w["W_y"]), W = w["W"];
    if (swap) std::swap(Wx, Wy), W = at::cat({W.narrow(0, D, D), W.narrow(0, 0, D)});
    out = {to_named_array("W_x", Wx), to_named_array("W_y", Wy), to_named_array("W", W.contiguous()),
           to_named_array("W_U", cols(w["W_U"]))};
  } else {
    at::Tensor a = cols(w["fc1.weight"].narrow(1, 0, n)), b = cols(w["fc1.weight"].narrow(1, n, n));
    if (swap) std::swap(a, b);
    out = {to_named_array("fc1.weight", at::cat({a, b}, 1).contiguous()),
           to_named_array("fc2.weight", rows(w["fc2.weight"]))};
  }
  return out;
}

// Accuracy over every pair of the group's table.
double table_accuracy(const Config& c, const std::vector<NamedArray>& ck) {
  at::NoGradGuard no_grad;
  const CheckpointWeights w(c, ck);
  const Task task(c);
  const int n = task.p();
  Batch x = all_pairs(n);
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n) * n);
  for (int a = 0; a < n; a++)
    for (int b = 0; b < n; b++) labels[static_cast<std::size_t>(a) * n + b] = task.label(a, b);
  x.labels = at::tensor(labels, at::kLong);
  return static_cast<double>(count_correct(model_forward(c, tensors(w), x), x.labels, n)) / x.size();
}

// The element list (plan_import's `elements`) applied to every checkpoint of the plan.
void map_elements(Plan& plan, const std::string& file) {
  const Config& c = plan.result.config;
  const Task task(c);
  const OperationGroup& g = task.group();
  const std::vector<std::vector<int>>& perms = named_group(task.name()).permutations;
  if (c.model == "transformer" || perms.empty())
    throw ConfigError("elements: an element list maps an MLP's tokens on a symmetric or alternating group, not " +
                      c.model + " on " + task.describe());
  std::ifstream in(file);
  if (!in) throw ConfigError("elements: cannot read " + file);
  std::vector<std::int64_t> order;
  std::vector<bool> seen(perms.size());
  std::string line;
  while (order.size() <= perms.size() && std::getline(in, line)) {
    if (line.size() > 256) throw ConfigError("elements: " + file + " has a line longer than 256 characters");
    std::istringstream ls(line);
    std::vector<int> perm;
    for (int v; perm.size() <= perms[0].size() && ls >> v;) perm.push_back(v);
    if (perm.empty()) continue;
    const auto it = std::find(perms.begin(), perms.end(), perm);
    if (it == perms.end() || seen[it - perms.begin()])
      throw ConfigError("elements: line " + std::to_string(order.size() + 1) + " of " + file + " is " +
                        (it == perms.end() ? "no element of " + g.name() : "an element listed twice"));
    seen[it - perms.begin()] = true;
    order.push_back(g.token[static_cast<std::size_t>(it - perms.begin())]);
  }
  if (order.size() != perms.size())
    throw ConfigError("elements: " + file + " lists " + std::to_string(order.size()) + " elements, " + g.name() +
                      " has " + std::to_string(perms.size()));
  const at::Tensor idx = at::tensor(order, at::kLong);
  const std::vector<NamedArray>& last = plan.tensors.back();
  const bool swap = table_accuracy(c, remap(c, last, idx, true)) > table_accuracy(c, remap(c, last, idx, false));
  for (std::vector<NamedArray>& ck : plan.tensors) ck = remap(c, ck, idx, swap);
  plan.result.elements_mapped = true;
  plan.result.operands_swapped = swap;
}

Plan make_plan(const std::string& path, const std::vector<std::string>& sets, const std::string& elements) {
  Plan plan;
  plan.file = read_pt_file(path);
  PtFile& f = plan.file;
  ModelShape shape;
  for (std::size_t i = 0; i < f.checkpoints.size(); ++i) {
    ModelShape s;
    PtLayout layout;
    plan.tensors.push_back(to_run_layout(f.checkpoints[i].tensors, path, &s, &layout));
    f.checkpoints[i].tensors.clear();  // the run layout's copy is what is kept
    if (i == 0) shape = s, plan.result.layout = layout;
    if (!same(s, shape)) refuse(RunFileError::Kind::Foreign, path, "its checkpoints have different shapes");
  }
  Config c;
  std::vector<std::string> given;  // settings the file states
  if (!f.grokking_lab_config.empty()) {
    try {
      c = parse_config(f.grokking_lab_config);
    } catch (const ConfigError& e) {
      refuse(RunFileError::Kind::Damaged, path, std::string("its grokking_lab_config is not valid (") + e.what() + ")");
    }
    given = {"task", "train_fraction", "seed"};
  } else {
    for (const std::string& s : authors_settings(f.config, path)) {
      try {
        set_config_field(c, *find_config_field(key_of(s)), s.substr(s.find('=') + 1));
      } catch (const ConfigError& e) {
        refuse(RunFileError::Kind::Foreign, path, std::string("its config: ") + e.what());
      }
      given.push_back(key_of(s));
    }
  }
  for (const std::string& s : sets)  // a task named on the command line decides what the tokens are
    if (key_of(s) == "task" || key_of(s) == "operation") set_config_value(c, s);
  if (!f.grokking_lab_config.empty() && c.model != shape.model)
    refuse(RunFileError::Kind::Damaged, path, "its config says model = " + c.model + ", its tensors " + shape.model);
  c.model = shape.model;  // the family the tensors' names say
  std::vector<std::pair<const char*, int>> from_tensors = {{"p", shape.p}, {"d_mlp", shape.d_mlp}};
  if (shape.model == "transformer")
    from_tensors.insert(from_tensors.end(), {{"n_layers", shape.n_layers},
                                             {"d_model", shape.d_model},
                                             {"n_heads", shape.n_heads},
                                             {"d_head", shape.d_head}});
  else if (shape.model == "mlp")
    from_tensors.push_back({"d_model", shape.d_model});
  // What the file's config states of the model must be what its tensors are: a file saying p = 11
  // over tensors of p = 5 is damaged or mislabelled, not a p = 5 run.
  const std::map<std::string, std::string> authors_names = {
      {"p", "p"},           {"n_layers", "num_layers"}, {"d_model", "d_model"}, {"n_heads", "num_heads"},
      {"d_head", "d_head"}, {"d_mlp", "d_mlp"}};
  for (const auto& [name, value] : from_tensors) {
    std::string stated;
    const bool tokens = std::string(name) == "p";  // the tensors give the token count: p, or a group's order
    if (!f.grokking_lab_config.empty()) {
      stated = tokens ? std::to_string(Task(c).p()) : config_value_text(c, *find_config_field(name));
    } else if (auto it = f.config.find(authors_names.at(name)); it != f.config.end()) {
      stated = it->second;
    }
    if (shape.model != "transformer" && f.grokking_lab_config.empty()) stated.clear();  // their names differ
    if (!stated.empty() && stated != std::to_string(value))
      refuse(RunFileError::Kind::Damaged, path,
             std::string("its config says ") + name + " = " + stated + ", its tensors " + std::to_string(value));
    if (tokens && !Task(c).uses_p()) continue;  // a group task: its order is its tokens, p unused
    try {
      set_config_field(c, *find_config_field(name), std::to_string(value));
    } catch (const ConfigError& e) {
      if (!tokens) throw;
      refuse(RunFileError::Kind::Foreign, path,
             std::to_string(value) + " tokens and no task that has them (" + e.what() +
                 "): name it with --set task=NAME, e.g. a group of order " + std::to_string(value));
    }
  }
  std::vector<int> epochs;
  for (std::size_t i = 0; i < f.checkpoints.size(); ++i) {
    const auto& e = f.checkpoints[i].epoch;
    epochs.push_back(e ? *e : static_cast<int>(i));
  }
  for (std::size_t i = 1; i < epochs.size(); ++i)
    if (epochs[i] <= epochs[i - 1]) refuse(RunFileError::Kind::Damaged, path, "its checkpoint epochs do not increase");
  if (f.grokking_lab_config.empty()) {  // a run's length and checkpoint spacing from its checkpoints
    c.epochs = std::max(1, epochs.back());
    if (epochs.size() > 1) c.checkpoint_interval = epochs[1] - epochs[0];
    c.test_interval = std::gcd(c.checkpoint_interval, 10);
  }
  c.epochs = std::max(c.epochs, epochs.back());
  for (const std::string& s : sets) {
    const std::string key = key_of(s);
    for (const auto& [name, value] : from_tensors)
      if (key == name && s.substr(s.find('=') + 1) != std::to_string(value))
        throw ConfigError(key + ": the checkpoint's tensors give " + std::to_string(value) + "; it cannot be set");
    set_config_value(c, s);
    given.push_back(key);
  }
  validate(c);
  for (const char* k : {"task", "train_fraction", "seed"})
    if (std::find(given.begin(), given.end(), k) == given.end()) plan.result.assumed.push_back(k);
  plan.result.config = c;
  plan.result.epochs = epochs;
  if (!elements.empty()) map_elements(plan, elements);
  return plan;
}

// Where a file's loss list puts epoch e: one entry per checkpoint (i), per epoch (e), or per k
// epochs (the authors' full_run_data logs test losses every 10 epochs: a list 1/k as long as the
// per-epoch train list). nullopt where it has none.
std::optional<double> file_loss(const std::vector<double>& losses, const std::vector<double>& per_epoch, std::size_t i,
                                const std::vector<int>& epochs) {
  const std::size_t n = epochs.size(), e = static_cast<std::size_t>(epochs[i]), last = epochs.back();
  std::optional<double> v;
  if (losses.size() == n)
    v = losses[i];
  else if (losses.size() > last)
    v = losses[e];
  else if (losses.size() > 1 && per_epoch.size() > last && losses.size() < per_epoch.size()) {
    const std::size_t k = (per_epoch.size() - 1) / (losses.size() - 1);  // epochs 0, k, 2k, ...
    if (e % k == 0 && e / k < losses.size()) v = losses[e / k];
  }
  return v && std::isfinite(*v) ? v : std::nullopt;
}

// Every checkpoint of the plan into `store`: its metrics on the split (the file's losses where it
// has them), its live progress measures and the fresh optimizer state.
void write_checkpoints(Plan& plan, const CheckpointAnalyzer& an, const std::vector<NamedArray>& fresh, RunStore& store,
                       const std::function<void(int, int)>& progress) {
  ImportPtResult& r = plan.result;
  const Config& c = r.config;
  const Batch train = make_batch(an.dataset().train), test = make_batch(an.dataset().test);
  const std::size_t n = plan.tensors.size();
  for (std::size_t i = 0; i < n; ++i) {
    const int e = r.epochs[i];
    const CheckpointWeights ck = an.weights(plan.tensors[i]);
    const Weights& w = tensors(ck);
    EpochMetrics m;
    m.epoch = e;
    m.lr = c.lr * std::min(1.0, static_cast<double>(e) / std::max(1, c.warmup_steps));
    {
      at::NoGradGuard no_grad;
      const at::Tensor lt = model_forward(c, w, train), ls = model_forward(c, w, test);
      const std::int64_t n = Task(c).p();
      m.train_loss = run_loss(lt, train.labels, c.loss, n).item<double>();
      m.train_acc = static_cast<double>(count_correct(lt, train.labels, n)) / train.size();
      m.test_loss = run_loss(ls, test.labels, c.loss, n).item<double>();
      m.test_acc = static_cast<double>(count_correct(ls, test.labels, n)) / test.size();
    }
    const PtFile& f = plan.file;
    for (auto [given, ours] : {std::pair{file_loss(f.train_losses, f.train_losses, i, r.epochs), &m.train_loss},
                               std::pair{file_loss(f.test_losses, f.train_losses, i, r.epochs), &m.test_loss}})
      if (given) {
        r.loss_mismatch = std::max(r.loss_mismatch.value_or(0.0), std::abs(*given - *ours));
        *ours = *given;  // the run as it trained
      }
    commit_checkpoint(store, an, e, ck, {m}, ResumeState{e, 0, fresh});
    if (progress) progress(static_cast<int>(i + 1), static_cast<int>(n));
  }
}

}  // namespace

ImportPtResult plan_import(const std::string& file, const std::vector<std::string>& sets, const std::string& elements) {
  return make_plan(file, sets, elements).result;
}

ImportPtResult import_pt(const std::string& file, const std::vector<std::string>& sets, const std::string& out,
                         bool overwrite, const std::function<void(int, int)>& progress, const std::string& elements) {
  Plan plan = make_plan(file, sets, elements);
  ImportPtResult& r = plan.result;
  const Config& c = r.config;
  const CheckpointAnalyzer an(c);
  // Fresh optimizer state (zero moments; the norm constraint's target from the newest weights).
  const std::vector<NamedArray> fresh =
      TrainStep(c, weights_from_checkpoint(c, plan.tensors.back()), make_batch(an.dataset().train)).state();
  std::map<std::string, std::string> meta = new_run_meta(at::get_num_threads());
  meta["imported_from"] = std::filesystem::absolute(file).lexically_normal().string();
  meta["imported_layout"] = to_string(r.layout);
  meta["optimizer_state"] = "fresh";
  const bool existed = std::filesystem::exists(out);
  std::optional<RunStore> store(RunStore::create(out, c, overwrite, meta));
  store->hold_replacement();  // an old run at `out` is replaced only once every checkpoint is in
  try {
    write_checkpoints(plan, an, fresh, *store, progress);
    store->finish_replacement();
  } catch (...) {
    // Failed half-way (a full disk): a new file is removed, an old run stays as it was.
    store.reset();
    std::error_code ignored;
    if (!existed)
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(out + suffix, ignored);
    throw;
  }
  return r;
}

}  // namespace grok
