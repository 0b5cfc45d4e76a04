#include "ui/window/run_contents.h"

#include <algorithm>

#include "core/analysis/checkpoint_analysis.h"
#include "core/base/key_selection.h"
#include "core/store/run_store.h"

namespace grok {

RunContents loadRunContents(const QString& path, const std::optional<std::vector<int>>& keys) {
  const RunStore store = RunStore::open(path.toStdString());
  verify_checkpoints(store);  // a run with a damaged checkpoint is refused on open, as `info` refuses it
  RunContents r;
  r.cfg = store.config();
  r.metrics = store.metrics();
  r.checkpoints = store.checkpoint_epochs();
  r.numerics = store.numerics();
  r.measures = store.load_measures(keys ? KeySelection::Given : KeySelection::Live);
  if (keys) {  // only the records of the chosen set
    const KeySetTag want{KeySelection::Given, *keys};
    r.measures.erase(
        std::remove_if(r.measures.begin(), r.measures.end(), [&](const MeasureRecord& m) { return m.keys != want; }),
        r.measures.end());
  }
  return r;
}

}  // namespace grok
