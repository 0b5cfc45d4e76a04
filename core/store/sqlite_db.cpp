#include "core/store/internal/sqlite_db.h"

namespace grok {

namespace {
[[noreturn]] void throw_db(sqlite3* db, int rc, const std::string& what) {
  const char* msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  throw SqliteError(what + ": " + msg, rc);
}
}  // namespace

Db::Db(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) throw_db(raw, rc, "cannot open " + path);
  sqlite3_extended_result_codes(raw, 1);
  // A reader may meet a writer mid-checkpoint: wait instead of failing at once.
  sqlite3_busy_timeout(raw, 5000);
}

void Db::bound_time(int ms) {
  if (ms <= 0) return sqlite3_progress_handler(db_.get(), 0, nullptr, nullptr);
  deadline_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  sqlite3_progress_handler(
      db_.get(), 10000,
      [](void* d) {
        return std::chrono::steady_clock::now() > *static_cast<std::chrono::steady_clock::time_point*>(d) ? 1 : 0;
      },
      &deadline_);
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError(msg, rc);
  }
}

std::int64_t Db::scalar_int(const std::string& sql) {
  Stmt s(db_.get(), sql);
  if (!s.step()) throw SqliteError("no row from: " + sql, SQLITE_ERROR);
  return s.int64(0);
}

Stmt::Stmt(sqlite3* db, const std::string& sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) throw_db(db, rc, "prepare");
}

void Stmt::check(int rc, const char* what) {
  if (rc != SQLITE_OK) throw_db(db_, rc, what);
}

Stmt& Stmt::bind(int i, std::int64_t v) {
  check(sqlite3_bind_int64(stmt_.get(), i, v), "bind");
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  check(sqlite3_bind_double(stmt_.get(), i, v), "bind");
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  check(sqlite3_bind_text(stmt_.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT), "bind");
  return *this;
}
Stmt& Stmt::bind_blob(int i, const void* data, std::size_t n) {
  check(sqlite3_bind_blob64(stmt_.get(), i, data, n, SQLITE_STATIC), "bind");
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  check(sqlite3_bind_null(stmt_.get(), i), "bind");
  return *this;
}

bool Stmt::step() {
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const int code = sqlite3_extended_errcode(db_);
  const std::string msg = sqlite3_errmsg(db_);
  sqlite3_reset(stmt_.get());
  throw SqliteError(msg, code);
}

void Stmt::run() {
  while (step()) {
  }
  reset();
}

void Stmt::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_.get(), col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_.get(), col)) : std::string();
}

std::vector<unsigned char> Stmt::blob(int col) const {
  const auto* p = static_cast<const unsigned char*>(sqlite3_column_blob(stmt_.get(), col));
  const int n = sqlite3_column_bytes(stmt_.get(), col);
  return p ? std::vector<unsigned char>(p, p + n) : std::vector<unsigned char>();
}

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {
      // A failed commit may already have rolled back; nothing more to undo.
    }
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace grok
