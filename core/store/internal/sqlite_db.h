// Thin RAII over the SQLite C API: a connection, prepared statements and a transaction guard.
// Every failure becomes a SqliteError carrying SQLite's message and result code.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace grok {

struct SqliteError : std::runtime_error {
  int code;
  SqliteError(const std::string& what, int code) : std::runtime_error(what), code(code) {}
};

class Stmt {
 public:
  Stmt(sqlite3* db, const std::string& sql);
  Stmt& bind(int i, std::int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind_blob(int i, const void* data, std::size_t n);
  Stmt& bind_null(int i);
  bool step();  // true while a row is available
  void run();   // step to completion, then reset for reuse
  void reset();

  bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }
  std::int64_t int64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  double real(int col) const { return sqlite3_column_double(stmt_.get(), col); }
  std::string text(int col) const;
  std::vector<unsigned char> blob(int col) const;

 private:
  struct Finalize {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
  void check(int rc, const char* what);
};

class Db {
 public:
  Db(const std::string& path, int flags);  // sqlite3_open_v2
  sqlite3* get() const { return db_.get(); }
  void exec(const std::string& sql);
  Stmt prepare(const std::string& sql) { return Stmt(db_.get(), sql); }
  std::int64_t scalar_int(const std::string& sql);
  // Interrupts any statement once `ms` milliseconds have passed from now (a progress handler), so
  // that no read of a hostile file runs unbounded; 0 removes the bound.
  void bound_time(int ms);

 private:
  std::chrono::steady_clock::time_point deadline_;
  struct Close {
    void operator()(sqlite3* d) const { sqlite3_close_v2(d); }
  };
  std::unique_ptr<sqlite3, Close> db_;
};

// BEGIN on construction, COMMIT when destroyed: reads that see one state of the file (a writer's
// commit between two of them would make them disagree).
class ReadTransaction {
 public:
  explicit ReadTransaction(Db& db) : db_(db) { db_.exec("BEGIN"); }
  ~ReadTransaction() {
    try {
      db_.exec("COMMIT");
    } catch (...) {
      // A read transaction has nothing to keep.
    }
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  Db& db_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  void commit();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace grok
