#include "ui/window/run_contents.h"

#include <algorithm>
#include <iterator>

#include "core/analysis/checkpoint_analysis.h"
#include "core/base/key_selection.h"
#include "core/store/run_lock.h"
#include "core/store/run_store.h"

namespace grok {

namespace {

// The stored measures of the key set asked for (nullopt: each checkpoint's own live set).
std::vector<MeasureRecord> measuresOf(const RunStore& store, const std::optional<std::vector<int>>& keys) {
  std::vector<MeasureRecord> m = store.load_measures(keys ? KeySelection::Given : KeySelection::Live);
  if (keys) {  // only the records of the chosen set
    const KeySetTag want{KeySelection::Given, *keys};
    m.erase(std::remove_if(m.begin(), m.end(), [&](const MeasureRecord& r) { return r.keys != want; }), m.end());
  }
  return m;
}

// When it was created and with which settings but its target epochs (a resume raises them): a run
// made anew over the path (train --force, Replace) differs, unless made in the same second with the
// same settings, which trains the same.
std::string runIdentity(const RunStore& store) {
  Config c = store.config();
  c.epochs = 0;
  return store.meta("created_utc") + "\n" + config_to_string(c);
}

}  // namespace

RunShown shownOf(const RunContents& r) {
  return {r.identity, r.metrics.empty() ? -1 : r.metrics.back().epoch,
          r.numerics.empty() ? -1 : r.numerics.back().epoch, r.checkpoints};
}

RunContents loadRunContents(const QString& path, const std::optional<std::vector<int>>& keys) {
  const RunStore store = RunStore::open(path.toStdString());
  verify_checkpoints(store);  // a run with a damaged checkpoint is refused on open, as `info` refuses it
  RunContents r;
  r.identity = runIdentity(store);
  r.cfg = store.config();
  r.metrics = store.metrics();
  r.checkpoints = store.checkpoint_epochs();
  r.numerics = store.numerics();
  r.measures = measuresOf(store, keys);
  return r;
}

RunTail loadRunTail(const QString& path, const std::optional<std::vector<int>>& keys, const RunShown& shown) {
  RunTail t;
  t.held = RunLock::is_held(run_lock_path(path.toStdString()));
  const RunStore store = RunStore::open(path.toStdString());
  const std::vector<int> stored = store.checkpoint_epochs();
  const std::optional<EpochMetrics> last = store.last_metrics();
  t.identity = runIdentity(store);
  // Another run at the path, or one that no longer has what is shown: read it anew.
  if ((!shown.identity.empty() && t.identity != shown.identity) ||
      !std::includes(stored.begin(), stored.end(), shown.checkpoints.begin(), shown.checkpoints.end()) ||
      (last ? last->epoch : -1) < shown.metrics) {
    t.replaced = true;
    return t;
  }
  const int newest = shown.checkpoints.empty() ? -1 : shown.checkpoints.back();
  for (int e : stored)
    if (e > newest) t.checkpoints.push_back(e);
  if (!t.checkpoints.empty())
    for (MeasureRecord& m : measuresOf(store, keys))
      if (m.epoch > newest) t.measures.push_back(std::move(m));
  t.metrics = store.metrics(shown.metrics + 1);
  t.numerics = store.numerics(shown.numerics + 1);
  return t;
}

void appendTail(RunContents& r, RunTail t) {
  r.identity = std::move(t.identity);
  r.metrics.insert(r.metrics.end(), t.metrics.begin(), t.metrics.end());
  r.checkpoints.insert(r.checkpoints.end(), t.checkpoints.begin(), t.checkpoints.end());
  r.measures.insert(r.measures.end(), std::make_move_iterator(t.measures.begin()),
                    std::make_move_iterator(t.measures.end()));
  r.numerics.insert(r.numerics.end(), t.numerics.begin(), t.numerics.end());
}

}  // namespace grok
