#include "test_util.h"

#include <atomic>

#include "core/training/trainer.h"

namespace grok::test {

void train_run(const Config& c, const std::string& path) {
  Trainer t = Trainer::start(c, path, true, {1});
  std::atomic<bool> stop{false};
  t.run(stop);
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

}  // namespace grok::test
