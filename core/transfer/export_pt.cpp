#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "core/analysis/checkpoint_analysis.h"
#include "core/base/task.h"
#include "core/interchange/pt_file.h"
#include "core/model/model_family.h"
#include "core/store/run_store.h"
#include "core/transfer/transfer.h"

namespace grok {

namespace {

ModelShape shape_of(const Config& c) {
  return {c.model, Task(c).p(), c.n_layers, c.d_model, c.n_heads, c.d_head, c.d_mlp};
}

// Storages numbered in the order written, as torch.save keys them.
class Export {
 public:
  void tensor(const PtTensor& t) {
    const std::string key = std::to_string(storages_.size());
    w.tensor(key, t.type, t.shape);
    storages_.emplace_back(key, t.bytes);
  }
  void float64s(const std::vector<double>& v) {  // a 1-D float64 tensor: 1.13's weights_only has no floats
    std::vector<unsigned char> b(v.size() * 8);
    if (!v.empty()) std::memcpy(b.data(), v.data(), b.size());
    tensor({"", StorageType::F64, {static_cast<std::int64_t>(v.size())}, std::move(b)});
  }
  void float64(double x) {  // a 0-d float64 tensor
    std::vector<unsigned char> b(8);
    std::memcpy(b.data(), &x, 8);
    tensor({"", StorageType::F64, {}, std::move(b)});
  }
  void state_dict(const std::vector<PtTensor>& tensors) {
    w.begin_ordered_dict();
    for (const PtTensor& t : tensors) {
      w.string(t.name);
      tensor(t);
    }
    w.end_dict();
  }
  void entry(const char* key, std::int64_t v) { w.string(key), w.integer(v); }
  void entry(const char* key, const char* v) { w.string(key), w.string(v); }
  void entry_f64(const char* key, double v) { w.string(key), float64(v); }

  void write(const std::string& path) { write_pt_file(path, w.finish(), storages_); }

  PickleWriter w;

 private:
  PtStorages storages_;
};

// HookedTransformerConfig's fields for this model (integers and strings only).
void tl_config(Export& x, const Config& c) {
  x.w.begin_dict();
  x.entry("n_layers", c.n_layers);
  x.entry("d_model", c.d_model);
  x.entry("d_head", c.d_head);
  x.entry("n_heads", c.n_heads);
  x.entry("d_mlp", c.d_mlp);
  x.entry("d_vocab", Task(c).vocab());
  x.entry("d_vocab_out", Task(c).vocab());
  x.entry("n_ctx", 3);
  x.entry("act_fn", "relu");
  x.w.string("normalization_type");
  x.w.none();
  x.w.end_dict();
}

// The authors' config names (their train.py's Config) for what they have.
void authors_config(Export& x, const Config& c) {
  x.w.begin_dict();
  x.entry("p", Task(c).p());
  x.entry("fn_name", Task(c).name().c_str());
  x.entry_f64("frac_train", c.train_fraction);
  x.entry("seed", static_cast<std::int64_t>(c.seed));
  if (c.model == "transformer") {
    x.entry("num_layers", c.n_layers);
    x.entry("d_model", c.d_model);
    x.entry("d_mlp", c.d_mlp);
    x.entry("num_heads", c.n_heads);
    x.entry("d_head", c.d_head);
    x.entry("d_vocab", Task(c).vocab());
    x.entry("n_ctx", 3);
    x.entry("act_type", "ReLU");
    x.w.string("use_ln");
    x.w.boolean(false);
  } else {  // Chughtai's cfg.json names (embed_dim, hidden_dim), Gromov's hidden width
    x.entry("model", c.model == "mlp" ? "OneLayerMLP" : "fcn");
    if (c.model == "mlp") x.entry("embed_dim", c.d_model);
    x.entry("hidden_dim", c.d_mlp);
    x.entry("activation", to_string(c.activation));
  }
  x.entry_f64("lr", c.lr);
  x.entry_f64("weight_decay", c.effective_weight_decay());
  x.entry("num_epochs", c.epochs);
  x.entry("save_every", c.checkpoint_interval);
  x.w.end_dict();
}

}  // namespace

ExportPtResult export_pt(const std::string& run, const ExportPtOptions& opt, const std::string& out) {
  const RunStore store = RunStore::open(run);
  verify_checkpoints(store);  // every checkpoint the model family's, none without its checkpoint row
  const Config cfg = store.config();
  // The layouts name one family's tensors (checkpoint_layout.h); the family says which it maps to.
  const std::vector<std::string> layouts = model_family(cfg).pytorch_layouts();
  if (std::find(layouts.begin(), layouts.end(), to_string(opt.layout)) == layouts.end())
    throw RunFileError(RunFileError::Kind::Foreign, run + ": its model family, " + cfg.model + ", has no " +
                                                        to_string(opt.layout) + " PyTorch layout");
  const std::vector<int> all = store.checkpoint_epochs();
  if (all.empty()) throw RunFileError(RunFileError::Kind::NoCheckpoint, run + ": holds no checkpoint");
  ExportPtResult result;
  if (opt.all) {
    result.epochs = all;
  } else if (!opt.epoch) {
    result.epochs = {all.back()};
  } else if (std::binary_search(all.begin(), all.end(), *opt.epoch)) {
    result.epochs = {*opt.epoch};
  } else {
    throw RunFileError(
        RunFileError::Kind::NoCheckpoint,
        run + ": epoch " + std::to_string(*opt.epoch) + " is not a checkpoint" + nearest_checkpoints(all, *opt.epoch));
  }
  const ModelShape shape = shape_of(cfg);
  const auto tensors = [&](int e) {
    const std::vector<NamedArray> ck = store.load_checkpoint(e);
    std::vector<TensorHeader> headers;
    for (const NamedArray& a : ck) headers.push_back(header_of(a));
    // The layouts size their buffers from the config: a file's shapes must be the config's first.
    if (const std::string m = checkpoint_mismatch(cfg, headers); !m.empty())
      throw RunFileError(RunFileError::Kind::Damaged,
                         run + ": damaged run file (checkpoint " + std::to_string(e) + ": " + m + ")");
    return from_run_layout(ck, shape, opt.layout);
  };
  Export x;
  if (!opt.all && opt.layout == PtLayout::Authors) {
    x.state_dict(tensors(result.epochs[0]));  // exactly what Transformer.state_dict() holds
  } else if (!opt.all) {
    x.w.begin_dict();
    x.w.string("state_dict");
    x.state_dict(tensors(result.epochs[0]));
    x.w.string("config");
    tl_config(x, cfg);
    x.entry("epoch", result.epochs[0]);
    x.entry("grokking_lab_config", config_to_string(cfg).c_str());
    x.w.end_dict();
  } else {
    // Losses at the checkpoints (a checkpoint's epoch always has its test metrics).
    std::map<int, EpochMetrics> at;
    for (const EpochMetrics& m : store.metrics())
      if (std::binary_search(all.begin(), all.end(), m.epoch)) at[m.epoch] = m;
    std::vector<double> train, test;
    for (int e : all) {
      const auto it = at.find(e);
      train.push_back(it == at.end() ? NAN : it->second.train_loss);
      test.push_back(it == at.end() ? NAN : it->second.test_loss);
    }
    x.w.begin_dict();
    x.w.string("state_dicts");
    x.w.begin_list();
    for (int e : all) x.state_dict(tensors(e));
    x.w.end_list();
    x.w.string("epochs");
    x.w.begin_list();
    for (int e : all) x.w.integer(e);
    x.w.end_list();
    x.w.string("train_losses");
    x.float64s(train);
    x.w.string("test_losses");
    x.float64s(test);
    x.w.string("config");
    if (opt.layout == PtLayout::Authors)
      authors_config(x, cfg);
    else
      tl_config(x, cfg);
    x.entry("grokking_lab_config", config_to_string(cfg).c_str());
    x.w.end_dict();
  }
  x.write(out);
  return result;
}

}  // namespace grok
