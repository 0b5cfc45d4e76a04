#include "core/store/internal/run_schema.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <vector>

namespace grok {

namespace {

struct TableSpec {
  std::string name;
  std::vector<std::string> columns;  // in declaration order
};

// Formats 1-3 (format 1: format 2 and an `analysis` table nothing reads; format 3 added `numerics`).
std::vector<TableSpec> tables_of(int version) {
  std::vector<TableSpec> t = {
      {"meta", {"key", "value"}},
      {"metrics", {"epoch", "train_loss", "train_acc", "test_loss", "test_acc", "lr"}},
      {"checkpoints", {"epoch", "created_utc"}},
      {"tensors", {"epoch", "name", "dtype", "shape", "data"}},
      {"resume_state", {"name", "epoch", "dtype", "shape", "data"}},
      {"measures", {"epoch", "key_freqs", "name", "value"}},
  };
  if (version == 1) t.push_back({"analysis", {"epoch", "kind", "key_freqs", "json"}});
  if (version >= 3) t.push_back({"numerics", {"epoch", "name", "value"}});
  return t;
}

// Tables a newer build adds to an older file it writes to (run_store.cpp, kNumericsTable).
const TableSpec kAddedNumerics{"numerics", {"epoch", "name", "value"}};

std::vector<std::string> columns_of(Db& db, const std::string& table) {
  std::vector<std::string> out;
  Stmt s = db.prepare("SELECT name FROM pragma_table_info(?) ORDER BY cid");
  s.bind(1, table);
  while (s.step()) out.push_back(s.text(0));
  return out;
}

}  // namespace

std::string schema_mismatch(Db& db, int version) {
  const std::vector<TableSpec> want = tables_of(version);
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
    auto spec = std::find_if(want.begin(), want.end(), [&](const TableSpec& t) { return t.name == name; });
    const TableSpec* expected = spec != want.end() ? &*spec : (name == kAddedNumerics.name ? &kAddedNumerics : nullptr);
    if (!expected) return "holds a table (" + name + ") that run format " + std::to_string(version) + " has not";
    if (columns_of(db, name) != expected->columns)
      return "its table " + name + " has other columns than format " + std::to_string(version) + "'s";
    seen.push_back(name);
  }
  for (const TableSpec& t : want)
    if (std::find(seen.begin(), seen.end(), t.name) == seen.end()) return "its table " + t.name + " is missing";
  return {};
}

void harden(Db& db) {
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  sqlite3_db_config(db.get(), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, nullptr);
}

}  // namespace grok
