// The run file's `numerics` table (format 3): one row per epoch and name, NULL for NaN.
#include <cmath>

#include "core/store/internal/sqlite_errors.h"
#include "core/store/run_store.h"

namespace grok {

void RunStore::write_numerics(const std::vector<NumericsRecord>& records) {
  if (records.empty()) return;
  Stmt s = db().prepare("INSERT OR REPLACE INTO numerics(epoch, name, value) VALUES(?, ?, ?)");
  for (const NumericsRecord& r : records)
    for (const auto& [name, value] : r.values) {
      s.bind(1, r.epoch).bind(2, name);
      if (std::isnan(value))
        s.bind_null(3);
      else
        s.bind(3, value);
      s.run();
    }
}

std::vector<NumericsRecord> RunStore::numerics(int from_epoch, int to_epoch) const {
  return guarded(path_, [&] {
    std::vector<NumericsRecord> out;
    if (db().scalar_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'numerics'") == 0)
      return out;  // a run written before format 3
    Stmt s = db().prepare("SELECT epoch, name, value FROM numerics WHERE epoch BETWEEN ? AND ? ORDER BY epoch, name");
    s.bind(1, from_epoch).bind(2, to_epoch);
    while (s.step()) {
      const int epoch = static_cast<int>(s.int64(0));
      if (out.empty() || out.back().epoch != epoch) out.push_back({epoch, {}});
      out.back().values[s.text(1)] = s.is_null(2) ? NAN : s.real(2);
    }
    return out;
  });
}

}  // namespace grok
