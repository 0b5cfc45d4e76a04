// grokking-cli: headless training, resuming, inspection, export and benchmarks over grok_core.
// Exit codes (listed by --help): 0 done, 1 the machine or filesystem failed during the work (disk
// full, I/O), 2 unusable input or destination (usage, config, run file, a held run), 130 stopped by
// Ctrl-C or SIGTERM after committing. A RunFileError's kind picks 1 or 2.
#include <unistd.h>

#include <cstdio>
#include <string>

#include "cli_args.h"
#include "core/base/presets.h"
#include "core/base/version.h"
#include "core/runtime/process_setup.h"
#include "core/store/run_store.h"

namespace {

using namespace grok;
using namespace grok::cli;

const char* kUsage =
    "usage: grokking-cli <command> [options]\n"
    "\n"
    "commands:\n"
    "  train    train a model into a new run file\n"
    "  resume   continue a run file from its newest checkpoint\n"
    "  fork     a new run from any checkpoint of a run, with changed settings\n"
    "  info     summarise a run file\n"
    "  analyze  Fourier analysis and progress measures of a checkpoint\n"
    "  export-csv  write a run's per-epoch metrics as CSV\n"
    "  export-pt   write checkpoints as a PyTorch file (authors' model or TransformerLens)\n"
    "  import   a run file from a PyTorch checkpoint (state dict or full_run_data)\n"
    "  sweep    experiments of many runs: init, run, submit (Slurm), status, summary\n"
    "  compare  memorisation, grokking and phases of any set of run files, side by side\n"
    "  bench    time a training step, a test evaluation and the analysis\n"
    "  group    a group's conjugacy classes and irreducible representations, with their characters\n"
    "  presets  list the built-in presets\n"
    "\n"
    "'grokking-cli <command> --help' describes a command's options;\n"
    "'grokking-cli --version' prints the version.\n"
    "\n"
    "exit codes (every command; an error is one line on stderr):\n"
    "  0    done\n"
    "  1    the machine or the filesystem failed during the work (an I/O error, a full disk or file size\n"
    "       limit, an internal error)\n"
    "  2    the input or the destination is unusable (a bad option or config, a config this machine cannot\n"
    "       hold, a missing, damaged, hostile or newer file, an unwritable place, a run another process trains)\n"
    "  130  interrupted (Ctrl-C, SIGTERM): the run committed a checkpoint first; resume goes on from it\n";

int cmd_presets(int argc, char** argv) {
  const Args a = parse_args(argc, argv, 2, {}, {"--help"});
  if (a.has("--help")) return std::printf("usage: grokking-cli presets\n"), 0;
  for (const auto& p : presets()) std::printf("%-16s %s\n", p.name.c_str(), p.description.c_str());
  return 0;
}

// A failure of the machine while writing is a runtime fault (1); a file we cannot use, bad input (2).
// No default: a new kind must choose here.
int exit_code(RunFileError::Kind kind) {
  using K = RunFileError::Kind;
  switch (kind) {
    case K::DiskFull:
    case K::Io:
    case K::Other: return 1;  // SQLite out of memory, interrupted, too big: the machine's
    case K::Missing:
    case K::Foreign:
    case K::Damaged:
    case K::Newer:
    case K::Exists:
    case K::NoCheckpoint:
    case K::Unreadable:
    case K::Unwritable:
    case K::Busy: return 2;
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  grok::set_up_process(argv);
  if (argc < 2) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::printf("%s  run file errors by kind:", kUsage);
      for (int k = 0; k <= static_cast<int>(RunFileError::Kind::Other); ++k)
        std::printf(" %s %d%s", to_string(static_cast<RunFileError::Kind>(k)),
                    exit_code(static_cast<RunFileError::Kind>(k)),
                    k < static_cast<int>(RunFileError::Kind::Other) ? "," : "\n");
      return 0;
    }
    if (cmd == "--version") return std::printf("grokking-cli (Grokking Lab) %s\n", grok::version()), 0;
    if (cmd == "train") return cmd_train(argc, argv);
    if (cmd == "resume") return cmd_resume(argc, argv);
    if (cmd == "fork") return cmd_fork(argc, argv);
    if (cmd == "info") return cmd_info(argc, argv);
    if (cmd == "export-csv") return cmd_export_csv(argc, argv);
    if (cmd == "export-pt") return cmd_export_pt(argc, argv);
    if (cmd == "import") return cmd_import(argc, argv);
    if (cmd == "analyze") return cmd_analyze(argc, argv);
    if (cmd == "sweep") return cmd_sweep(argc, argv);
    if (cmd == "compare") return cmd_compare(argc, argv);
    if (cmd == "bench") return cmd_bench(argc, argv);
    if (cmd == "presets") return cmd_presets(argc, argv);
    if (cmd == "group") return cmd_group(argc, argv);
    throw UsageError("unknown command \"" + cmd + "\" (see grokking-cli --help)");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  } catch (const RunFileError& e) {
    if (isatty(fileno(stdout))) std::printf("\n");  // end a half-drawn progress bar
    std::fflush(stdout);
    std::fprintf(stderr, "error: %s\n", e.what());
    return exit_code(e.kind());
  } catch (const std::exception& e) {
    // An internal failure: one line still (LibTorch appends its backtrace after the first).
    const std::string what = e.what();
    std::fprintf(stderr, "error: %s\n", what.substr(0, what.find('\n')).c_str());
    return 1;
  }
}
