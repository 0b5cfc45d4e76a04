// Helpers shared by the tests: each test's main(), scratch directories that clean up after
// themselves, a tiny model.
#pragma once

#include <QTemporaryDir>
#include <QtTest>
#include <string>

#include "core/analysis/snapshot.h"
#include "core/base/config.h"
#include "core/base/task.h"
#include "core/runtime/process_setup.h"

// A test executable's main(): the process set-up every program calls (runtime/process_setup.h;
// it may re-execute the test with the same arguments), then the test object as QTEST_MAIN runs
// it, with the application object the test needs: GROK_TEST_MAIN(TestX, QApplication) for
// widgets, QCoreApplication for an event loop (QProcess, timers), GROK_TEST_APPLESS_MAIN without.
#define GROK_TEST_MAIN_IMPL(TestObject, ...) \
  int main(int argc, char* argv[]) {         \
    grok::set_up_process(argv);              \
    __VA_ARGS__                              \
    TestObject tc;                           \
    QTEST_SET_MAIN_SOURCE_PATH               \
    return QTest::qExec(&tc, argc, argv);    \
  }
#define GROK_TEST_MAIN(TestObject, AppClass) \
  GROK_TEST_MAIN_IMPL(TestObject, AppClass app(argc, argv); app.setAttribute(Qt::AA_Use96Dpi, true);)
#define GROK_TEST_APPLESS_MAIN(TestObject) GROK_TEST_MAIN_IMPL(TestObject)

namespace grok::test {

// Trains `c` into a new run file at `path` on one thread, to completion.
void train_run(const Config& c, const std::string& path);

// (a op b) mod p as the task of a run with `op` and `p` labels the pair (core/base/task.h).
int task_label(std::string op, int a, int b, int p);

// A model small enough to train hundreds of epochs per second on one thread.
Config tiny_config(int p = 11, int epochs = 60, int checkpoint_interval = 10, int test_interval = 5);

// What the window's views compute for a stored checkpoint (SnapshotScope::views), in the run's group.
Snapshot snapshot_of(const std::string& run_path, int epoch);

// Runs SQL `statements` on the file at `path`, as another program could: "" or SQLite's message.
std::string exec_sql(const std::string& path, const char* statements);

// Removes every checkpoint of the run file at `path` (tensors, resume state and all), leaving a
// run without one, as earlier builds left a run killed before its first checkpoint (a new run
// now appears at its path only with its first).
void remove_checkpoints(const std::string& path);

// A fresh directory per test case; `file("x.grok")` is a path inside it.
class ScratchDir {
 public:
  ScratchDir();
  std::string file(const std::string& name) const;
  QString qfile(const QString& name) const;

 private:
  QTemporaryDir dir_;
};

}  // namespace grok::test
