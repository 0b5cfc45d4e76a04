#include "core/store/internal/run_schema.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <vector>

namespace grok {

// The statements every format was written with (format 1 also made `analysis`, which nothing
// reads; format 3 added `numerics` and format 4 `label_metrics` (the accuracies of a run with label
// noise), each also added to older files opened for writing; format 5 `view_results`, made the first
// time the app keeps the views' results in a run, in any format).
const char* const kRunSchemaSql = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE metrics(
  epoch INTEGER PRIMARY KEY,
  train_loss REAL NOT NULL, train_acc REAL NOT NULL,
  test_loss REAL, test_acc REAL,
  lr REAL NOT NULL);
CREATE TABLE checkpoints(epoch INTEGER PRIMARY KEY, created_utc TEXT NOT NULL);
CREATE TABLE tensors(
  epoch INTEGER NOT NULL REFERENCES checkpoints(epoch) ON DELETE CASCADE,
  name TEXT NOT NULL, dtype TEXT NOT NULL, shape TEXT NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY(epoch, name));
CREATE TABLE resume_state(
  name TEXT PRIMARY KEY, epoch INTEGER NOT NULL,
  dtype TEXT NOT NULL, shape TEXT NOT NULL, data BLOB NOT NULL);
CREATE TABLE measures(
  epoch INTEGER NOT NULL, key_freqs TEXT NOT NULL, name TEXT NOT NULL, value REAL,
  PRIMARY KEY(epoch, key_freqs, name));
)sql";
const char* const kAddedTablesSql =
    "CREATE TABLE IF NOT EXISTS numerics(epoch INTEGER NOT NULL, name TEXT NOT NULL, value REAL, "
    "PRIMARY KEY(epoch, name)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS label_metrics(epoch INTEGER PRIMARY KEY, train_acc_true REAL NOT NULL, "
    "corrupted_acc REAL NOT NULL, corrupted_acc_true REAL NOT NULL)";
const char* const kViewResultsTableSql =
    "CREATE TABLE IF NOT EXISTS view_results(epoch INTEGER NOT NULL REFERENCES checkpoints(epoch) ON DELETE CASCADE, "
    "key TEXT NOT NULL, data BLOB NOT NULL, PRIMARY KEY(epoch, key))";

namespace {

constexpr const char* kAnalysisTableSql =
    "CREATE TABLE analysis(epoch INTEGER NOT NULL, kind TEXT NOT NULL, key_freqs TEXT NOT NULL, json TEXT NOT NULL, "
    "PRIMARY KEY(epoch, kind, key_freqs))";

// Each column as "name type notnull default pk", in declaration order: a table of the right column
// names but without its primary key (two rows of one tensor) or NOT NULL is not the format's table.
std::vector<std::string> columns_of(Db& db, const std::string& table) {
  std::vector<std::string> out;
  Stmt s = db.prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?) ORDER BY cid");
  s.bind(1, table);
  while (s.step()) out.push_back(s.text(0) + " " + s.text(1) + " " + s.text(2) + " " + s.text(3) + " " + s.text(4));
  return out;
}

// The tables of the statements above, as SQLite describes them: built once in memory.
const std::map<std::string, std::vector<std::string>>& reference_tables() {
  static const std::map<std::string, std::vector<std::string>> tables = [] {
    Db ref(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_MEMORY);
    ref.exec(kRunSchemaSql);
    ref.exec(kAddedTablesSql);
    ref.exec(kAnalysisTableSql);
    ref.exec(kViewResultsTableSql);
    std::map<std::string, std::vector<std::string>> t;
    Stmt s = ref.prepare("SELECT name FROM sqlite_master WHERE type = 'table'");
    while (s.step()) t[s.text(0)] = columns_of(ref, s.text(0));
    return t;
  }();
  return tables;
}

// The tables format `version` must have (a later format's added tables may also be in an older file
// a newer build wrote to, and `view_results` is in a file of any format once the app kept results).
std::vector<std::string> tables_of(int version) {
  std::vector<std::string> t = {"meta", "metrics", "checkpoints", "tensors", "resume_state", "measures"};
  if (version == 1) t.push_back("analysis");
  if (version >= 3) t.push_back("numerics");
  if (version >= 4) t.push_back("label_metrics");
  return t;
}

}  // namespace

std::string schema_mismatch(Db& db, int version) {
  const std::vector<std::string> want = tables_of(version);
  const auto& reference = reference_tables();
  std::vector<std::string> seen;
  Stmt s = db.prepare("SELECT type, name, tbl_name FROM sqlite_master ORDER BY rowid");
  while (s.step()) {
    const std::string type = s.text(0), name = s.text(1);
    if (type == "view" || type == "trigger") return "holds a " + type + " (" + name + "), which no run file has";
    if (type == "index") {
      if (name.rfind("sqlite_autoindex_", 0) != 0) return "holds an index of its own (" + name + ")";
      continue;
    }
    if (type != "table") return "holds a schema entry of type " + type + " (" + name + ")";
    const bool known = std::find(want.begin(), want.end(), name) != want.end() || name == "numerics" ||
                       name == "label_metrics" || name == "view_results";
    if (!known) return "holds a table (" + name + ") that run format " + std::to_string(version) + " has not";
    if (columns_of(db, name) != reference.at(name))
      return "its table " + name + " has other columns than format " + std::to_string(version) + "'s";
    seen.push_back(name);
  }
  for (const std::string& t : want)
    if (std::find(seen.begin(), seen.end(), t) == seen.end()) return "its table " + t + " is missing";
  return {};
}

void harden(Db& db) {
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
}

}  // namespace grok
