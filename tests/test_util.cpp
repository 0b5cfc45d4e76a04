#include "test_util.h"

#include <sqlite3.h>

#include <atomic>

#include "core/analysis/fourier_basis.h"
#include "core/data/dataset.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"

namespace grok::test {

void train_run(const Config& c, const std::string& path) {
  Trainer t = Trainer::start(c, path, true, {1});
  std::atomic<bool> stop{false};
  t.run(stop);
}

int task_label(std::string op, int a, int b, int p) {
  Config c;
  c.task = op;
  c.p = p;
  return Task(c).label(a, b);
}

Snapshot snapshot_of(const std::string& run_path, int epoch) {
  const RunStore run = RunStore::open(run_path);
  const Config c = run.config();
  return compute_snapshot(c, epoch, CheckpointWeights(c, run.load_checkpoint(epoch)), make_dataset(c), std::nullopt,
                          FourierBasis(Task(c).group()), SnapshotScope::views);
}

Config tiny_config(int p, int epochs, int checkpoint_interval, int test_interval) {
  Config c;
  c.p = p;
  c.train_fraction = 0.5;
  c.d_model = 16;
  c.n_heads = 2;
  c.d_head = 8;
  c.d_mlp = 32;
  c.epochs = epochs;
  c.checkpoint_interval = checkpoint_interval;
  c.test_interval = test_interval;
  return c;
}

ScratchDir::ScratchDir() : dir_(QDir::tempPath() + "/grok-test-XXXXXX") {}

std::string ScratchDir::file(const std::string& name) const { return (dir_.path() + "/").toStdString() + name; }

QString ScratchDir::qfile(const QString& name) const { return dir_.path() + "/" + name; }

std::string exec_sql(const std::string& path, const char* statements) {
  sqlite3* db = nullptr;
  std::string err;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db, statements, nullptr, nullptr, nullptr) != SQLITE_OK)
    err = db ? sqlite3_errmsg(db) : "out of memory";
  sqlite3_close(db);
  return err;
}

void remove_checkpoints(const std::string& path) {
  const std::string err = exec_sql(path,
                                   "DELETE FROM tensors; DELETE FROM checkpoints; DELETE FROM resume_state; "
                                   "DELETE FROM meta WHERE key IN ('resume_epoch', 'optimizer_steps')");
  if (!err.empty()) qFatal("cannot remove the checkpoints of %s: %s", path.c_str(), err.c_str());
}

}  // namespace grok::test
