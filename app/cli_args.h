// grokking-cli's argument parsing, shared by its commands: options in order (for repeatable --set),
// flags, positionals; bad input throws UsageError (exit code 2).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/base/config.h"

namespace grok::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> options;  // in order, for repeatable --set
  std::vector<std::string> flags;

  std::optional<std::string> get(const std::string& name) const {
    std::optional<std::string> v;
    for (auto& [k, val] : options)
      if (k == name) v = val;
    return v;
  }
  bool has(const std::string& flag) const {
    for (auto& f : flags)
      if (f == flag) return true;
    return false;
  }
};

// Parses argv[first..]: `valued` options take a value ("--out F" or "--out=F"), `boolean` ones none.
Args parse_args(int argc, char** argv, int first, const std::vector<std::string>& valued,
                const std::vector<std::string>& boolean);
// An integer option in [lo, hi], or UsageError naming it.
int parse_int(const std::string& opt, const std::string& text, int lo, int hi);
// --preset / --config, then every --set in order.
Config config_from_args(const Args& a);

// The commands; each returns the process's exit code.
int cmd_train(int argc, char** argv);
int cmd_resume(int argc, char** argv);
int cmd_fork(int argc, char** argv);
int cmd_info(int argc, char** argv);
int cmd_analyze(int argc, char** argv);
int cmd_export_csv(int argc, char** argv);
int cmd_bench(int argc, char** argv);
int cmd_group(int argc, char** argv);         // cli_group.cpp
int cmd_sweep(int argc, char** argv);         // cli_sweep.cpp
int cmd_compare(int argc, char** argv);       // cli_sweep.cpp
int cmd_sweep_submit(int argc, char** argv);  // cli_slurm.cpp
int cmd_export_pt(int argc, char** argv);     // cli_interchange.cpp
int cmd_import(int argc, char** argv);        // cli_interchange.cpp

}  // namespace grok::cli
