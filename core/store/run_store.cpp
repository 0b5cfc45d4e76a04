#include "core/store/run_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <utility>

#include "core/store/filesystem_kind.h"
#include "core/store/internal/run_replace.h"
#include "core/store/internal/run_schema.h"
#include "core/store/internal/sqlite_errors.h"
#include "core/store/internal/tensor_rows.h"
#include "core/store/run_lock.h"

namespace grok {
namespace fs = std::filesystem;
using Kind = RunFileError::Kind;

namespace {

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string shape_json(const std::vector<std::int64_t>& s) { return nlohmann::json(s).dump(); }

}  // namespace

RunStore::RunStore(std::string path, std::unique_ptr<Db> db) : path_(std::move(path)), db_(std::move(db)) {}

// A moved-from store owns no temporary file: only the one that holds the connection removes it.
RunStore::RunStore(RunStore&& o) noexcept
    : path_(std::move(o.path_)),
      temporary_(std::exchange(o.temporary_, {})),
      lock_(std::move(o.lock_)),
      db_(std::move(o.db_)),
      config_(std::move(o.config_)),
      size_limit_(o.size_limit_),
      hold_replacement_(o.hold_replacement_),
      synced_commits_(o.synced_commits_),
      writer_(o.writer_),
      seen_(o.seen_) {}

RunStore& RunStore::operator=(RunStore&& o) noexcept {
  if (this != &o) {
    discard_temporary();
    path_ = std::move(o.path_);
    temporary_ = std::exchange(o.temporary_, {});
    synced_commits_ = o.synced_commits_;
    writer_ = o.writer_;
    db_ = std::move(o.db_);  // the old connection closes before its lock goes
    lock_ = std::move(o.lock_);
    config_ = std::move(o.config_);
    size_limit_ = o.size_limit_;
    hold_replacement_ = o.hold_replacement_;
    seen_ = o.seen_;
  }
  return *this;
}

namespace {

// Where a trainer may write (filesystem_kind.h): on a network filesystem only once its locks are
// seen to work. Called with the run's lock held.
FilesystemKind trainable_filesystem(const std::string& path) {
  const FilesystemKind where = filesystem_of(path);
  if (where.network) check_locks_work(run_lock_path(path), where);
  return where;
}

// While written: WAL on a local disk (readers beside a writer); on a network filesystem the rollback
// journal, whose locks reach other machines, and every commit synced. SQLite keeps the old mode
// when another connection has the file open: on a network filesystem that is refused.
void set_journal(Db& db, const FilesystemKind& where, const std::string& path) {
  Stmt s = db.prepare(where.network ? "PRAGMA journal_mode=DELETE" : "PRAGMA journal_mode=WAL");
  const std::string mode = s.step() ? s.text(0) : std::string();
  if (where.network && mode != "delete")
    throw RunFileError(Kind::Busy, path + ": its filesystem (" + where.name +
                                       ") needs SQLite's rollback journal, and another program has it open in "
                                       "WAL mode; close it first");
  if (where.network) db.exec("PRAGMA synchronous=FULL");
}

// At rest a run is in the rollback journal: a reader then writes nothing beside it (no -wal or
// -shm) and SQLite's own locks keep it from a writer that comes later. Not when another connection
// has it open (SQLite keeps WAL then); never waits.
void put_to_rest(Db& db) {
  try {
    sqlite3_busy_timeout(db.get(), 0);
    db.exec("PRAGMA journal_mode=DELETE");
  } catch (const std::exception&) {
    // Busy or failing: it stays in WAL, which readers read the shared way.
  }
}

}  // namespace

RunStore::~RunStore() {
  discard_temporary();
  if (db_ && writer_) put_to_rest(*db_);
  db_.reset();  // closed before the lock is released
}

Db& RunStore::db() const {
  if (!db_) throw RunFileError(Kind::Other, path_ + ": closed after a failed write; open it again");
  return *db_;
}

RunStore RunStore::create(const std::string& path, const Config& cfg, bool overwrite,
                          const std::map<std::string, std::string>& meta) {
  validate(cfg);
  std::error_code ec;
  std::string temporary;  // a replacement's file beside the old run
  if (fs::exists(path, ec)) {
    if (!overwrite) throw RunFileError(Kind::Exists, path + ": file exists (pass --force to overwrite it)");
    if (fs::is_directory(path, ec)) throw RunFileError(Kind::Unwritable, path + ": is a directory");
  }
  // The lock before the new file: a run another process trains is never replaced. A new run is
  // written beside the path too and renamed into place at its first checkpoint, so a train, fork or
  // import that fails (or is killed) before it leaves no checkpoint-less file a rerun would refuse.
  std::unique_ptr<RunLock> lock = lock_run(path);
  // Again under the lock: a run another process made meanwhile is not overwritten unasked.
  if (!overwrite && fs::exists(path, ec))
    throw RunFileError(Kind::Exists, path + ": file exists (pass --force to overwrite it)");
  const FilesystemKind where = trainable_filesystem(path);
  temporary = make_replacement_file(path);
  // The store owns the temporary file from here: any failure below removes it.
  RunStore store(path, nullptr);
  store.lock_ = std::move(lock);
  store.synced_commits_ = where.network;
  store.writer_ = true;
  store.temporary_ = temporary;
  return guarded(path, [&] {
    const std::string& file = temporary.empty() ? path : temporary;
    auto db = std::make_unique<Db>(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    set_writer_pragmas(*db);
    set_journal(*db, where, path);  // stored in the file: every later connection uses it
    Transaction tx(*db);
    db->exec(kRunSchemaSql);
    db->exec(kAddedTablesSql);
    db->exec("PRAGMA application_id=" + std::to_string(kRunApplicationId));
    db->exec("PRAGMA user_version=" + std::to_string(kRunSchemaVersion));
    Stmt ins = db->prepare("INSERT INTO meta(key, value) VALUES(?, ?)");
    std::map<std::string, std::string> m = meta;
    m["format"] = "grokking-lab-run";
    m["schema_version"] = std::to_string(kRunSchemaVersion);
    m["created_utc"] = utc_now();
    m["config"] = config_to_json(cfg).dump();
    for (auto& [k, v] : m) ins.bind(1, k).bind(2, v).run();
    tx.commit();
    store.db_ = std::move(db);
    store.config_ = cfg;
    return std::move(store);
  });
}

// Seen before the open: a file replaced after it differs from what the connection reads (a
// spurious reopen at worst), never the other way round.
RunStore::FileSeen RunStore::see(const std::string& path) {
  FileSeen seen;
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return seen;
  seen.device = st.st_dev, seen.inode = st.st_ino, seen.size = st.st_size;
  seen.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  return seen;
}

bool RunStore::still_at_rest() const {
  if (writer_ || !seen_.at_rest || written_now(path_)) return false;
  // A reader in the rollback journal sees others' commits itself (SQLite's change counter); an
  // unchanged file as well keeps it from relying on that across a writer's WAL episode.
  const FileSeen now = see(path_);
  return now.size >= 0 && now.device == seen_.device && now.inode == seen_.inode && now.size == seen_.size &&
         now.mtime_ns == seen_.mtime_ns;
}

RunStore RunStore::open(const std::string& path, Mode mode) {
  const auto window = no_replacement_under_way();  // run_replace.h: never the old file with the new -shm
  FileSeen seen = see(path);
  seen.at_rest = mode == Mode::ReadOnly && !written_now(path);
  std::error_code ec;
  if (!fs::exists(path, ec)) throw RunFileError(Kind::Missing, path + ": no such file");
  if (fs::is_directory(path, ec)) throw RunFileError(Kind::Foreign, path + ": is a directory, not a run file");
  const auto size = fs::file_size(path, ec);
  if (ec) throw RunFileError(Kind::Unreadable, path + ": cannot read (" + ec.message() + ")");
  if (size == 0) throw RunFileError(Kind::Foreign, path + ": empty file, not a Grokking Lab run");
  {
    std::ifstream in(path, std::ios::binary);
    char header[16] = {};
    in.read(header, sizeof header);
    if (!in || std::string(header, 16) != std::string("SQLite format 3\0", 16))
      throw RunFileError(Kind::Foreign, path + ": not a Grokking Lab run file (not an SQLite database)");
    if (size < 512)
      throw RunFileError(Kind::Damaged, path + ": damaged run file (truncated to " + std::to_string(size) + " bytes)");
  }
  std::unique_ptr<RunLock> lock = mode == Mode::Train ? lock_run(path) : nullptr;
  const FilesystemKind where = mode == Mode::Train       ? trainable_filesystem(path)
                               : mode == Mode::ReadWrite ? filesystem_of(path)
                                                         : FilesystemKind{};
  return guarded(path, [&] {
    const std::string uri = mode == Mode::ReadOnly ? read_only_uri(path) : std::string();
    const int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    auto db = uri.empty() ? std::make_unique<Db>(path, flags) : std::make_unique<Db>(uri, flags | SQLITE_OPEN_URI);
    // A file from elsewhere: defensive settings, and its schema checked before anything reads it,
    // in bounded time (a view or trigger of its own would run inside info, status or the window).
    harden(*db);
    db->bound_time(5000);
    const auto app_id = db->scalar_int("PRAGMA application_id");
    if (app_id != kRunApplicationId)
      throw RunFileError(Kind::Foreign, path + ": an SQLite database, but not a Grokking Lab run file");
    // Version 1 is version 2 and an empty `analysis` table that nothing reads: both open as they are.
    const auto version = db->scalar_int("PRAGMA user_version");
    if (version > kRunSchemaVersion)
      throw RunFileError(Kind::Newer, path + ": written by a newer Grokking Lab (run format " +
                                          std::to_string(version) + ", this build reads up to " +
                                          std::to_string(kRunSchemaVersion) + "); update the app");
    if (version < 1) throw RunFileError(Kind::Damaged, path + ": damaged run file (no run format version)");
    if (const std::string m = schema_mismatch(*db, static_cast<int>(version)); !m.empty())
      throw RunFileError(Kind::Foreign, path + ": not a run file this build can read (" + m + ")");
    db->bound_time(0);
    if (mode != Mode::ReadOnly) set_writer_pragmas(*db), db->exec(kAddedTablesSql), set_journal(*db, where, path);
    RunStore store(path, std::move(db));
    store.synced_commits_ = where.network;
    store.writer_ = mode != Mode::ReadOnly;
    store.lock_ = std::move(lock);
    // Read in place as immutable, a connection would not see a later write, and the file's time
    // may not show one made within the same tick of its clock: never kept (still_at_rest).
    if (!uri.empty()) seen.at_rest = false;
    store.seen_ = seen;
    store.load_config();
    return store;
  });
}

void RunStore::load_config() {
  const std::string text = meta("config");
  if (text.empty()) throw RunFileError(Kind::Damaged, path_ + ": damaged run file (no config)");
  try {
    config_ = parse_config(text);
  } catch (const ConfigError& e) {
    throw RunFileError(Kind::Damaged, path_ + ": damaged run file (stored config: " + e.what() + ")");
  }
}

int RunStore::schema_version() const {
  return guarded(path_, [&] { return static_cast<int>(db().scalar_int("PRAGMA user_version")); });
}

std::string RunStore::meta(const std::string& key) const {
  return guarded(path_, [&] {
    Stmt s = db().prepare("SELECT value FROM meta WHERE key = ?");
    s.bind(1, key);
    return s.step() ? s.text(0) : std::string();
  });
}

std::map<std::string, std::string> RunStore::all_meta() const {
  return guarded(path_, [&] {
    std::map<std::string, std::string> m;
    Stmt s = db().prepare("SELECT key, value FROM meta ORDER BY key");
    while (s.step()) m[s.text(0)] = s.text(1);
    return m;
  });
}

void RunStore::set_meta(const std::string& key, const std::string& value) {
  guarded(path_, [&] {
    db().prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)").bind(1, key).bind(2, value).run();
  });
}

void RunStore::set_target_epochs(int epochs) {
  Config c = config_;
  c.epochs = epochs;
  validate(c);
  set_meta("config", config_to_json(c).dump());
  config_ = c;
}

void RunStore::commit_checkpoint(int epoch, const std::vector<NamedArray>& weights,
                                 const std::vector<EpochMetrics>& metrics, const ResumeState& resume,
                                 const std::vector<MeasureRecord>& measures,
                                 const std::vector<NumericsRecord>& numerics) {
  guarded(path_, [&] {
    Transaction tx(db());
    Stmt m = db().prepare(
        "INSERT OR REPLACE INTO metrics(epoch, train_loss, train_acc, test_loss, test_acc, lr) VALUES(?,?,?,?,?,?)");
    for (const auto& r : metrics) {
      m.bind(1, r.epoch).bind(2, r.train_loss).bind(3, r.train_acc);
      if (std::isnan(r.test_loss))
        m.bind_null(4).bind_null(5);
      else
        m.bind(4, r.test_loss).bind(5, r.test_acc);
      m.bind(6, r.lr).run();
    }
    write_label_metrics(metrics);
    db().prepare("DELETE FROM checkpoints WHERE epoch = ?").bind(1, epoch).run();
    db().prepare("INSERT INTO checkpoints(epoch, created_utc) VALUES(?, ?)").bind(1, epoch).bind(2, utc_now()).run();
    Stmt t = db().prepare("INSERT INTO tensors(epoch, name, dtype, shape, data) VALUES(?,?,?,?,?)");
    for (const auto& a : weights) {
      t.bind(1, epoch).bind(2, a.name).bind(3, std::string(dtype_name(a.dtype))).bind(4, shape_json(a.shape));
      t.bind_blob(5, a.bytes.data(), a.bytes.size()).run();
    }
    db().exec("DELETE FROM resume_state");
    Stmt r = db().prepare("INSERT INTO resume_state(name, epoch, dtype, shape, data) VALUES(?,?,?,?,?)");
    for (const auto& a : resume.optimizer) {
      r.bind(1, a.name).bind(2, resume.epoch).bind(3, std::string(dtype_name(a.dtype))).bind(4, shape_json(a.shape));
      r.bind_blob(5, a.bytes.data(), a.bytes.size()).run();
    }
    Stmt meta = db().prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
    meta.bind(1, std::string("resume_epoch")).bind(2, std::to_string(resume.epoch)).run();
    meta.bind(1, std::string("optimizer_steps")).bind(2, std::to_string(resume.optimizer_steps)).run();
    write_measures(measures);
    write_numerics(numerics);
    tx.commit();
  });
  if (!temporary_.empty() && !hold_replacement_) replace_old_run();
}

void RunStore::finish_replacement() {
  hold_replacement_ = false;
  if (!temporary_.empty()) replace_old_run();
}

std::vector<int> RunStore::checkpoint_epochs() const {
  return guarded(path_, [&] {
    std::vector<int> out;
    Stmt s = db().prepare("SELECT epoch, typeof(epoch) FROM checkpoints ORDER BY epoch");
    while (s.step()) out.push_back(stored_epoch(path_, s, "a checkpoint"));
    return out;
  });
}

bool RunStore::complete() const {
  const std::vector<int> ck = checkpoint_epochs();
  if (ck.empty()) return false;
  if (ck.back() >= config_.epochs) return true;
  const std::string early = meta("stopped_early_at");
  return !early.empty() && ck.back() >= std::atoi(early.c_str());
}

std::int64_t RunStore::checkpoint_bytes(int epoch) const {
  return guarded(path_, [&] {
    Stmt s = db().prepare("SELECT COALESCE(SUM(LENGTH(data)), 0) FROM tensors WHERE epoch = ?");
    s.bind(1, epoch);
    s.step();
    return s.int64(0);
  });
}

void RunStore::verify() const {
  guarded(path_, [&] {
    Stmt s = db().prepare("PRAGMA quick_check");
    std::string first;
    if (s.step()) first = s.text(0);
    if (first != "ok") throw RunFileError(Kind::Damaged, path_ + ": damaged run file (" + one_line(first) + ")");
  });
}

void RunStore::limit_file_size(std::int64_t bytes) {
  size_limit_ = bytes;
  apply_size_limit();
}

// max_page_count belongs to the connection, not the file: a replacement sets it again on reopening.
void RunStore::apply_size_limit() {
  if (size_limit_ <= 0) return;
  guarded(path_, [&] {
    const auto page = db().scalar_int("PRAGMA page_size");
    db().scalar_int("PRAGMA max_page_count=" + std::to_string(std::max<std::int64_t>(1, size_limit_ / page)));
  });
}

std::string nearest_checkpoints(const std::vector<int>& checkpoints, int epoch) {
  const auto after = std::lower_bound(checkpoints.begin(), checkpoints.end(), epoch);
  std::string near;
  if (after != checkpoints.begin()) near = std::to_string(*(after - 1));
  if (after != checkpoints.end()) near += (near.empty() ? "" : " or ") + std::to_string(*after);
  return near.empty() ? " (it has none)" : " (nearest: " + near + ")";
}

}  // namespace grok
