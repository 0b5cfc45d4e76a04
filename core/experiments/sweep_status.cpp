// A sweep's runs as they are on disk (sweep.h): each run's state, read while other processes
// train, and the lock a trainer holds.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/analysis/checkpoint_analysis.h"
#include "core/base/records.h"
#include "core/experiments/run_summary.h"
#include "core/experiments/sweep.h"
#include "core/store/run_store.h"

namespace grok {

namespace fs = std::filesystem;

bool Sweep::complete(int index) const {
  std::error_code ec;
  if (!fs::exists(run_path(index), ec)) return false;
  try {
    return RunStore::open(run_path(index)).complete();
  } catch (const RunFileError&) {
    return false;
  }
}

SweepRunStatus Sweep::status(int index) const {
  SweepRunStatus st;
  const bool running = RunLock::is_held(lock_path(index));
  std::error_code ec;
  if (fs::exists(run_path(index), ec)) {
    try {
      const RunStore r = RunStore::open(run_path(index));
      verify_checkpoints(r);  // a run `info` refuses is no complete run
      if (const std::string d = config_mismatch(runs_.at(index).config, r.config()); !d.empty()) {
        st.state = RunState::Failed, st.error = run_path(index) + ": " + d;
        return st;
      }
      const std::vector<int> ck = r.checkpoint_epochs();
      if (!ck.empty()) st.epoch = ck.back();
      for (const EpochMetrics& m : r.metrics()) {
        if (std::isnan(m.test_acc)) continue;
        st.test_acc = m.test_acc;
        if (st.grok_epoch < 0 && m.test_acc >= kGrokAccuracy) st.grok_epoch = m.epoch;
      }
      const std::string early = r.meta("stopped_early_at");
      if (!early.empty()) st.stopped_early = std::atoi(early.c_str());
      if (r.complete()) st.state = RunState::Complete;
    } catch (const RunFileError& e) {
      // A run file being created has no tables yet: the trainer that holds the lock is writing it.
      if (!running) st.state = RunState::Failed, st.error = e.what();
    }
  }
  if (running) {
    st.state = RunState::Running;
  } else if (st.state != RunState::Complete && fs::exists(error_path(index), ec)) {
    st.state = RunState::Failed;
    std::ifstream in(error_path(index));
    std::string msg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
    st.error = msg;
  }
  return st;
}

std::string config_mismatch(const Config& manifest, const Config& file) {
  if (config_to_string(manifest) == config_to_string(file)) return {};
  std::string fields;
  for (const std::string& f : differing_fields({manifest, file})) fields += (fields.empty() ? "" : ", ") + f;
  return "its config differs from the manifest's (" + fields + "): a run of another sweep, left as it is";
}

}  // namespace grok
