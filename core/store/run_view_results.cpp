// RunStore's `view_results` table (format 5): the views' expensive results of a checkpoint, kept in
// the run file while the app trains it (core/analysis/results_cache.h encodes and checks them; the
// store only keeps bytes under a key).
#include "core/store/internal/run_schema.h"
#include "core/store/internal/sqlite_errors.h"
#include "core/store/run_store.h"

namespace grok {

namespace {

bool has_view_results(Db& db) {
  return db.scalar_int("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'view_results'") > 0;
}

}  // namespace

std::optional<std::vector<unsigned char>> RunStore::view_results(int epoch, const std::string& key,
                                                                 std::size_t max_bytes) const {
  return guarded(path_, [&]() -> std::optional<std::vector<unsigned char>> {
    if (!has_view_results(db())) return std::nullopt;
    // The length first: a hostile file's blob of any size is never read whole.
    Stmt s = db().prepare("SELECT length(data) <= ?3, data FROM view_results WHERE epoch = ?1 AND key = ?2");
    s.bind(1, static_cast<std::int64_t>(epoch)).bind(2, key).bind(3, static_cast<std::int64_t>(max_bytes));
    if (!s.step() || s.int64(0) == 0) return std::nullopt;
    return s.blob(1);
  });
}

void RunStore::store_view_results(int epoch, const std::string& key, const std::vector<unsigned char>& data) {
  guarded(path_, [&] {
    Transaction tx(db());
    db().exec(kViewResultsTableSql);
    db().prepare("INSERT OR REPLACE INTO view_results(epoch, key, data) VALUES(?1, ?2, ?3)")
        .bind(1, static_cast<std::int64_t>(epoch))
        .bind(2, key)
        .bind_blob(3, data.data(), data.size())
        .run();
    // Bounded: a user who tries many key sets on one checkpoint keeps the newest few.
    db().prepare(
            "DELETE FROM view_results WHERE epoch = ?1 AND rowid NOT IN "
            "(SELECT rowid FROM view_results WHERE epoch = ?1 ORDER BY rowid DESC LIMIT ?2)")
        .bind(1, static_cast<std::int64_t>(epoch))
        .bind(2, static_cast<std::int64_t>(kViewResultsPerEpoch))
        .run();
    tx.commit();
  });
}

int RunStore::view_results_count() const {
  return guarded(path_, [&] {
    return has_view_results(db()) ? static_cast<int>(db().scalar_int("SELECT count(*) FROM view_results")) : 0;
  });
}

}  // namespace grok
