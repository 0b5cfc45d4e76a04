// Turns between training and the app's analysis on the same cores.
//
// Why: each runs an OpenMP pool of as many threads as there are cores. Side by side, the two
// pools time-slice each other, and every one of training's hundreds of short parallel regions an
// epoch waits at its barrier for a thread that is not running. Measured on 2 cores
// (`grokking --bench-training`): the live views' snapshot every ~10 s cost training ~4 % of its
// speed for ~1 % of its compute. With turns, an analysis waits for the trainer to reach the end
// of an epoch, and the trainer waits there until the analysis is done: each runs alone, at full
// speed (the views' latency while training falls too). The analysis has priority: while the
// user scrubs during training, one snapshot job after another, training waits; the app throttles
// only its own live updates (CheckpointViews::show).
#pragma once

#include <condition_variable>
#include <mutex>

namespace grok {

class AnalysisTurns {
 public:
  // Trainer side. While no trainer is present, analyses run at once.
  class Training {  // RAII: a trainer is running
   public:
    explicit Training(AnalysisTurns& t);
    ~Training();
    Training(const Training&) = delete;
    Training& operator=(const Training&) = delete;

   private:
    AnalysisTurns& t_;
  };
  class Parked {  // RAII: the trainer waits (paused by the user): analyses may run meanwhile;
   public:        // leaving waits for one under way to finish
    explicit Parked(AnalysisTurns& t);
    ~Parked();
    Parked(const Parked&) = delete;
    Parked& operator=(const Parked&) = delete;

   private:
    AnalysisTurns& t_;
  };
  // Between epochs: returns at once, or after the analysis that asked for a turn has run.
  void between_epochs();

  // Analysis side. RAII: blocks until no trainer runs, or the trainer is parked; the trainer
  // stays parked until the Turn ends.
  class Turn {
   public:
    explicit Turn(AnalysisTurns& t);
    ~Turn();
    Turn(const Turn&) = delete;
    Turn& operator=(const Turn&) = delete;

   private:
    AnalysisTurns& t_;
  };

 private:
  std::mutex m_;
  std::condition_variable cv_;
  int trainers_ = 0;
  int parked_ = 0;
  int waiting_ = 0;  // analyses asking for a turn
  bool analysing_ = false;
};

}  // namespace grok
