// RunStore's `measures` table: one checkpoint's progress measures per key set, the set named by its
// tag ("live:14,42", KeySetTag) as the column key_freqs stores it.
#include <cmath>

#include "core/store/internal/sqlite_errors.h"
#include "core/store/run_store.h"

namespace grok {

void RunStore::store_measures(const std::vector<MeasureRecord>& records) {
  guarded(path_, [&] {
    Transaction tx(db());
    write_measures(records);
    tx.commit();
  });
}

void RunStore::write_measures(const std::vector<MeasureRecord>& records) {
  Stmt s = db().prepare("INSERT OR REPLACE INTO measures(epoch, key_freqs, name, value) VALUES(?,?,?,?)");
  for (const auto& r : records)
    for (const auto& [name, value] : r.values) {
      s.bind(1, r.epoch).bind(2, r.keys.to_string()).bind(3, name);
      if (std::isnan(value))
        s.bind_null(4);
      else
        s.bind(4, value);
      s.run();
    }
}

std::vector<MeasureRecord> RunStore::load_measures(KeySelection::Kind kind) const {
  return guarded(path_, [&] {
    std::vector<MeasureRecord> out;
    Stmt s = db().prepare(
        "SELECT epoch, key_freqs, name, value FROM measures WHERE substr(key_freqs, 1, length(?1)) = ?1 "
        "ORDER BY epoch, key_freqs, name");
    s.bind(1, std::string(kind_name(kind)) + ":");
    std::string text;  // out.back()'s tag as stored
    while (s.step()) {
      const int epoch = static_cast<int>(s.int64(0));
      if (out.empty() || out.back().epoch != epoch || s.text(1) != text) {
        text = s.text(1);
        const std::optional<KeySetTag> keys = KeySetTag::parse(text);
        if (!keys)
          throw RunFileError(RunFileError::Kind::Damaged,
                             path_ + ": damaged run file (measures of an unreadable key set)");
        out.push_back({epoch, *keys, {}});
      }
      out.back().values[s.text(2)] = s.is_null(3) ? NAN : s.real(3);
    }
    return out;
  });
}

std::optional<std::vector<int>> RunStore::measure_keys(int epoch, KeySelection::Kind kind) const {
  return guarded(path_, [&]() -> std::optional<std::vector<int>> {
    Stmt s = db().prepare(
        "SELECT key_freqs FROM measures WHERE epoch = ?1 AND substr(key_freqs, 1, length(?2)) = ?2 LIMIT 1");
    s.bind(1, static_cast<std::int64_t>(epoch));
    s.bind(2, std::string(kind_name(kind)) + ":");
    if (!s.step()) return std::nullopt;
    const std::optional<KeySetTag> keys = KeySetTag::parse(s.text(0));
    if (!keys)
      throw RunFileError(RunFileError::Kind::Damaged, path_ + ": damaged run file (measures of an unreadable key set)");
    return keys->freqs;
  });
}

}  // namespace grok
