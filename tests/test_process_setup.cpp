// The process set-up and the thread count of a run: what set_up_process sets holds on every
// thread, library code changes only its own thread, a run takes its count from the machine's load,
// records it and resumes with it, and the same count gives the same bits.
#include <QtTest>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <signal.h>

#include <atomic>
#include <cerrno>
#include <limits>
#include <thread>

#include "core/bench/bench.h"
#include "core/bench/busy_processes.h"
#include "core/runtime/compute_thread.h"
#include "core/runtime/machine_load.h"
#include "core/runtime/process_setup.h"
#include "core/store/run_store.h"
#include "core/training/trainer.h"
#include "test_util.h"

using namespace grok;

namespace {

// fn() on a thread started now, as a compute thread of the app would be.
template <typename F>
void on_new_thread(F&& fn) {
  std::thread(std::forward<F>(fn)).join();
}

// The number of OpenMP threads an at::parallel_for compiled here runs on, from the calling thread.
int parallel_for_threads() {
  std::atomic<int> most{0};
  at::parallel_for(0, 64, 1, [&](std::int64_t, std::int64_t) {
    int seen = most.load();
    const int mine = at::get_thread_num() + 1;
    while (mine > seen && !most.compare_exchange_weak(seen, mine)) {
    }
  });
  return most.load();
}

void train(const Config& c, const std::string& path, TrainOptions opt, int stop_after = -1) {
  Trainer t = Trainer::start(c, path, true, opt);
  std::atomic<bool> stop{false};
  t.run(stop, {[&](const TrainProgress& p) {
          if (p.epoch == stop_after) stop = true;
        }});
}

void expect_same_weights(const std::string& a, const std::string& b) {
  const RunStore sa = RunStore::open(a), sb = RunStore::open(b);
  const int last = sa.checkpoint_epochs().back();
  QCOMPARE(sb.checkpoint_epochs().back(), last);
  const auto wa = sa.load_checkpoint(last), wb = sb.load_checkpoint(last);
  QCOMPARE(wa.size(), wb.size());
  for (std::size_t i = 0; i < wa.size(); i++) QVERIFY2(wa[i].bytes == wb[i].bytes, wa[i].name.c_str());
}

bool process_gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

class TestProcessSetup : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void setUpHoldsOnEveryThread() {
    QVERIFY(process_is_set_up());
    int threads = 0;
    float flushed = -1;
    on_new_thread([&] {
      threads = at::get_num_threads();
      volatile float smallest = std::numeric_limits<float>::min();  // the smallest normal float
      flushed = smallest * 0.5f;                                    // subnormal unless flushed
    });
    QCOMPARE(threads, kIntraOpThreads);
#if defined(__x86_64__) || defined(__i386__)
    QVERIFY2(flushed == 0.0f, qPrintable(QString::number(flushed)));  // QCOMPARE is fuzzy near zero
#endif
  }

  void intraOpThreadsArePerThread() {
    int one = 0, other = 0;
    on_new_thread([&] {
      set_intra_op_threads(1);
      one = parallel_for_threads();
    });
    on_new_thread([&] { other = parallel_for_threads(); });
    QCOMPARE(one, 1);
    QCOMPARE(other, kIntraOpThreads);
  }

  void libraryCodeLeavesTheProcessAlone() {
    // Training and the benchmark on one intra-op thread set that for their own thread only: a
    // thread started afterwards still begins with the process' count.
    const Config c = test::tiny_config(11, 5);
    test::ScratchDir dir;
    on_new_thread([&] {
      train(c, dir.file("run.grok"), {1});
      (void)run_benchmark(c, 1, 1, {}, "", /*throughput_only=*/true);
    });
    int threads = 0;
    on_new_thread([&] { threads = at::get_num_threads(); });
    QCOMPARE(threads, kIntraOpThreads);
  }

  void threadsFollowTheFreeCpus() {
    auto with = [](int cpus, double others) { return threads_for_load({cpus, others, 0.25}, 2); };
    QCOMPARE(with(2, 0.0), 2);
    QCOMPARE(with(2, 0.4), 2);
    QCOMPARE(with(2, 0.6), 1);  // another process holds most of a core
    QCOMPARE(with(2, 2.0), 1);  // never fewer than one
    QCOMPARE(with(8, 1.0), 2);  // never more than asked
    QCOMPARE(with(1, 0.0), 1);
  }

  void busyProcessIsSeenAndStopped() {
    std::vector<pid_t> pids;
    MachineLoad load;
    {
      BusyProcesses busy(1);
      pids = busy.pids();
      QCOMPARE(pids.size(), std::size_t(1));
      load = measure_machine_load();
    }
    QVERIFY2(load.others >= 0.5, load.describe().c_str());
    if (load.cpus == 2) QCOMPARE(threads_for_load(load, 2), 1);
    for (const pid_t pid : pids) QVERIFY(process_gone(pid));  // killed and reaped
  }

  void aRunKeepsTheCountItStartedWith() {
    // Beside a busy process a run may start on fewer threads; whatever it chose, it records it,
    // and a run given that count explicitly has the same bits.
    const Config c = test::tiny_config(23, 40, 10, 5);
    test::ScratchDir dir;
    int chosen = 0;
    {
      BusyProcesses busy(1);
      Trainer t = Trainer::start(c, dir.file("auto.grok"), true);
      chosen = t.threads();
      std::atomic<bool> stop{false};
      t.run(stop);
    }
    QVERIFY(chosen >= 1 && chosen <= kIntraOpThreads);
    QCOMPARE(RunStore::open(dir.file("auto.grok")).meta("threads"), std::to_string(chosen));
    train(c, dir.file("given.grok"), {chosen});
    expect_same_weights(dir.file("auto.grok"), dir.file("given.grok"));
  }

  void resumeContinuesWithTheRunsCount() {
    const Config c = test::tiny_config(23, 40, 10, 5);
    test::ScratchDir dir;
    train(c, dir.file("full.grok"), {1});
    train(c, dir.file("part.grok"), {1}, /*stop_after=*/17);
    {
      Trainer t = Trainer::resume(dir.file("part.grok"), std::nullopt);  // whatever the machine's load
      QCOMPARE(t.threads(), 1);
      std::atomic<bool> stop{false};
      t.run(stop);
    }
    expect_same_weights(dir.file("full.grok"), dir.file("part.grok"));
    QCOMPARE(RunStore::open(dir.file("part.grok")).meta("threads_history"), std::string());
    // A count given on resume is used and recorded with the epoch it started at.
    train(c, dir.file("mixed.grok"), {1}, /*stop_after=*/17);
    Trainer t = Trainer::resume(dir.file("mixed.grok"), std::nullopt, {2});
    QCOMPARE(t.threads(), 2);
    const RunStore s = RunStore::open(dir.file("mixed.grok"));
    QCOMPARE(s.meta("threads"), std::string("2"));
    QCOMPARE(s.meta("threads_history"), std::string("1 from epoch 0, 2 from epoch 18"));
  }

  void resumeUnderAnotherKernelVersionSaysSo() {
    const Config c = test::tiny_config(23, 40, 10, 5);
    test::ScratchDir dir;
    train(c, dir.file("now.grok"), {1}, /*stop_after=*/17);
    QCOMPARE(RunStore::open(dir.file("now.grok")).meta("kernel_version"), std::to_string(kKernelVersion));
    { Trainer t = Trainer::resume(dir.file("now.grok"), std::nullopt, {1}); }  // the same version: no history
    QCOMPARE(RunStore::open(dir.file("now.grok")).meta("kernel_version_history"), std::string());
    // A run made before versions were recorded (no meta: version 1) goes on under today's.
    train(c, dir.file("old.grok"), {1}, /*stop_after=*/17);
    {
      RunStore s = RunStore::open(dir.file("old.grok"), RunStore::Mode::Train);
      s.set_meta("kernel_version", "");
    }
    { Trainer t = Trainer::resume(dir.file("old.grok"), std::nullopt, {1}); }
    const RunStore s = RunStore::open(dir.file("old.grok"));
    QCOMPARE(s.meta("kernel_version"), std::to_string(kKernelVersion));
    QCOMPARE(s.meta("kernel_version_history"), "1 from epoch 0, " + std::to_string(kKernelVersion) + " from epoch 18");
  }
};

GROK_TEST_APPLESS_MAIN(TestProcessSetup)
#include "test_process_setup.moc"
