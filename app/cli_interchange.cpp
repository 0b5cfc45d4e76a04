// grokking-cli export-pt and import: checkpoints to and from PyTorch (core/transfer/transfer.h).
#include <cstdio>
#include <string>

#include "cli_args.h"
#include "core/base/task.h"
#include "core/transfer/transfer.h"

namespace grok::cli {

namespace {

const char* kExportUsage =
    "usage: grokking-cli export-pt RUN --format authors|transformer-lens [--epoch E | --all] --out FILE.pt\n"
    "\n"
    "Writes checkpoints of RUN as a PyTorch file that torch.load(f, weights_only=True) opens.\n"
    "  --format authors           the state_dict of the paper authors' Transformer (strict=True)\n"
    "  --format transformer-lens  {\"state_dict\": HookedTransformer's, \"config\": its config fields}\n"
    "  --epoch E                  that checkpoint (default: the newest)\n"
    "  --all                      every checkpoint, like the authors' full_run_data.pth: state_dicts,\n"
    "                             epochs, train_losses, test_losses, config\n"
    "  --out FILE.pt              the file to write (replaced if it exists)\n"
    "docs/interchange.md shows how to load each in Python.\n";

const char* kImportUsage =
    "usage: grokking-cli import FILE.pt|FILE.pth [--set key=value]... [--elements FILE] --out RUN.grok [--force]\n"
    "\n"
    "Turns a PyTorch checkpoint into a run file: the paper's transformer as a state dict (authors' or\n"
    "TransformerLens layout, alone or under \"model\"/\"state_dict\") or a full_run_data-style file of\n"
    "many checkpoints, or an MLP's state dict (Chughtai et al.'s OneLayerMLP, Gromov's fcn). The shape comes from the "
    "tensors; the task (operation, train_fraction, seed)\n"
    "from the file's config when it has one, else from --set, else the mainline's (said so).\n"
    "The reader runs nothing in the file: any global but a state dict's types is refused.\n"
    "  --set key=value  a config field (repeatable)\n"
    "  --elements FILE  an MLP on S_n / A_n: the file's tokens' permutations, one a line (docs/interchange.md)\n"
    "  --out RUN.grok   the run file to write\n"
    "  --force          replace an existing run file\n";

}  // namespace

int cmd_export_pt(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {"--format", "--epoch", "--out"}, {"--all", "--help"});
  if (a.has("--help")) return std::printf("%s", kExportUsage), 0;
  if (a.positional.size() != 1) throw UsageError("export-pt: expected one run FILE");
  const auto out = a.get("--out");
  if (!out) throw UsageError("export-pt: --out FILE.pt is required");
  const std::string format = a.get("--format").value_or("");
  ExportPtOptions opt;
  if (format == "authors")
    opt.layout = PtLayout::Authors;
  else if (format == "transformer-lens")
    opt.layout = PtLayout::TransformerLens;
  else
    throw UsageError("export-pt: --format must be authors or transformer-lens" +
                     (format.empty() ? std::string() : " (got \"" + format + "\")"));
  opt.all = a.has("--all");
  if (auto e = a.get("--epoch")) {
    if (opt.all) throw UsageError("export-pt: --epoch and --all exclude each other");
    opt.epoch = parse_int("--epoch", *e, 0, 10000000);
  }
  const ExportPtResult r = export_pt(a.positional[0], opt, *out);
  if (opt.all)
    std::printf("wrote %s: %zu checkpoints (epochs %d..%d), %s layout\n", out->c_str(), r.epochs.size(),
                r.epochs.front(), r.epochs.back(), to_string(opt.layout));
  else
    std::printf("wrote %s: checkpoint %d, %s layout\n", out->c_str(), r.epochs[0], to_string(opt.layout));
  return 0;
}

int cmd_import(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {"--set", "--out", "--elements"}, {"--force", "--help"});
  if (a.has("--help")) return std::printf("%s", kImportUsage), 0;
  if (a.positional.size() != 1) throw UsageError("import: expected one checkpoint FILE.pt");
  const auto out = a.get("--out");
  if (!out) throw UsageError("import: --out RUN.grok is required");
  std::vector<std::string> sets;
  for (const auto& [k, v] : a.options)
    if (k == "--set") sets.push_back(v);
  const std::string elements = a.get("--elements").value_or("");
  const ImportPtResult plan = plan_import(a.positional[0], sets, elements);
  if (!plan.assumed.empty()) {
    std::string fields;
    for (const std::string& f : plan.assumed)
      fields += (fields.empty() ? "" : ", ") + f + " " + config_value_text(plan.config, *find_config_field(f));
    std::printf("assumed the mainline's %s (the file does not say; set them with --set if it trained otherwise)\n",
                fields.c_str());
  }
  const ImportPtResult r = import_pt(
      a.positional[0], sets, *out, a.has("--force"),
      [](int done, int total) {
        if (total > 1 && (done == total || done % 10 == 0))
          std::printf("  %d/%d checkpoints%s", done, total, done == total ? "\n" : "\r"), std::fflush(stdout);
      },
      elements);
  const Config& c = r.config;
  std::printf(
      "wrote %s: %zu checkpoint%s (epochs %d..%d) of %s, %d layer%s, d_model %d, %s layout; "
      "optimizer moments fresh\n",
      out->c_str(), r.epochs.size(), r.epochs.size() == 1 ? "" : "s", r.epochs.front(), r.epochs.back(),
      Task(c).describe().c_str(), c.n_layers, c.n_layers == 1 ? "" : "s", c.d_model, to_string(r.layout));
  if (r.elements_mapped)
    std::printf("tokens put in %s's element order from %s%s\n", Task(c).group().name().c_str(), elements.c_str(),
                r.operands_swapped ? "; operands swapped (the file composes x then y)" : "");
  if (r.loss_mismatch && *r.loss_mismatch > 1e-3)
    std::printf(
        "note: the file's losses differ from this split's by up to %.3g: are operation, train_fraction "
        "and seed the ones it trained with?\n",
        *r.loss_mismatch);
  return 0;
}

}  // namespace grok::cli
