// Checkpoints in and out of PyTorch: a run's checkpoints written as .pt files a Python notebook
// loads in one line, and checkpoints trained in Python turned into a run the dashboard opens.
// docs/interchange.md shows both directions from Python.
//
// Export (formats in checkpoint_layout.h):
//   authors           one checkpoint: the state_dict progress-measures-paper's Transformer loads
//                     with strict=True (its causal mask buffer included)
//   transformer-lens  {"state_dict": HookedTransformer's, "config": HookedTransformerConfig's
//                     fields, "grokking_lab_config": JSON}
//   all (either)      {"state_dicts": [...], "epochs": [...], "train_losses", "test_losses"
//                     (float64 tensors, one per checkpoint), "config": {...}, "grokking_lab_config"}
// Every file loads with torch.load(f, weights_only=True) since PyTorch 1.13: nothing in it but
// dicts, lists, ints, strings and tensors (1.13's loader has no float opcode, so the config's
// numbers that are not integers are 0-d float64 tensors).
//
// Import reads any of these, the authors' full_run_data.pth ("checkpoints", "checkpoint_epochs")
// and a state dict alone or under "model"/"state_dict". The run it writes has every checkpoint
// (with its train/test loss and accuracy on the config's split, the file's losses where it has
// them, and the live progress measures) and fresh optimizer moments (meta optimizer_state=fresh),
// so it opens, scrubs, forks and trains like a native run.
//
//   export_pt("run.grok", {.layout = PtLayout::TransformerLens, .epoch = 12000}, "ckpt.pt");
//   ImportPtResult r = import_pt("full_run_data.pth", {"seed=598"}, "run.grok", false);
//
// Threading: functions; each opens its own files.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/base/config.h"
#include "core/interchange/checkpoint_layout.h"

namespace grok {

struct ExportPtOptions {
  PtLayout layout = PtLayout::Authors;
  std::optional<int> epoch;  // default: the newest checkpoint
  bool all = false;          // every checkpoint, full_run_data-style
};

struct ExportPtResult {
  std::vector<int> epochs;  // the checkpoints written
};

// Throws RunFileError (the run; an epoch that is not a checkpoint names the nearest) or for `out`.
ExportPtResult export_pt(const std::string& run, const ExportPtOptions& opt, const std::string& out);

struct ImportPtResult {
  Config config;
  PtLayout layout = PtLayout::Authors;
  std::vector<int> epochs;
  // Fields of the task taken from the mainline because neither the file nor --set gave them
  // (operation, train_fraction, seed): the caller says so in one line.
  std::vector<std::string> assumed;
  // The largest |file loss - loss on this split| over the checkpoints, when the file has losses:
  // large means the split (train_fraction, seed) or the operation is not the one it trained on.
  std::optional<double> loss_mismatch;
  // With an element list (import_pt's `elements`): the file's tokens were put in this group's
  // element order, and its operands swapped where it composes the other way round (x then y, as
  // sympy's x * y does, where this app's a o b is b first, then a).
  bool elements_mapped = false, operands_swapped = false;
};

// The run's config for a checkpoint file, as import_pt would write it, without writing anything
// (the window's import dialog shows it). Throws RunFileError for the file, ConfigError for `sets`.
//
// `elements`: for an MLP on a symmetric or alternating group, a text file naming the file's tokens'
// elements, token 0 first, one permutation a line in one-line notation ("1 2 0 3 4": 0 -> 1, ...),
// as Chughtai et al.'s sympy-made groups list them (docs/interchange.md); each composition order
// is tried and the one the model computes (the higher accuracy over every pair) is kept.
ImportPtResult plan_import(const std::string& file, const std::vector<std::string>& sets,
                           const std::string& elements = {});

// Writes the run. `progress(done, total)` after each checkpoint. Nothing is written when the file
// or the settings are refused; an existing `out` is refused unless overwrite.
ImportPtResult import_pt(const std::string& file, const std::vector<std::string>& sets, const std::string& out,
                         bool overwrite, const std::function<void(int, int)>& progress = {},
                         const std::string& elements = {});

}  // namespace grok
