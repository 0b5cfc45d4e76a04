// Python's random.shuffle reimplemented: the split must be the authors' split (REFERENCE.md s.1).
#include <QtTest>

#include "core/data/dataset.h"
#include "core/data/python_random.h"
#include "test_util.h"

using namespace grok;

class TestPythonRandom : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void mainlineSplitMatchesReferenceVectors() {
    Config c;  // p 113, seed 0, frac 0.3
    const Dataset d = make_dataset(c);
    const int expect[8][2] = {{18, 34}, {10, 83}, {55, 28}, {25, 51}, {63, 65}, {14, 104}, {27, 56}, {35, 77}};
    for (int i = 0; i < 8; i++) {
      QCOMPARE(d.train.a[i], expect[i][0]);
      QCOMPARE(d.train.b[i], expect[i][1]);
      QCOMPARE(d.train.c[i], (expect[i][0] + expect[i][1]) % 113);
    }
    QCOMPARE(d.train.size(), 3830);
    QCOMPARE(d.test.size(), 8939);
    QCOMPARE(d.test.a[0], 50);  // pair index 3830, the first test pair
    QCOMPARE(d.test.b[0], 67);
  }

  void seed42MatchesReferenceVectors() {
    Config c;
    c.seed = 42;
    const Dataset d = make_dataset(c);
    const int expect[4][2] = {{71, 4}, {99, 97}, {7, 59}, {102, 16}};
    for (int i = 0; i < 4; i++) {
      QCOMPARE(d.train.a[i], expect[i][0]);
      QCOMPARE(d.train.b[i], expect[i][1]);
    }
  }

  void splitIsAPermutationOfAllPairs() {
    Config c;
    c.p = 31;
    c.seed = 7;
    const Dataset d = make_dataset(c);
    std::vector<int> seen(31 * 31, 0);
    for (int i : d.order) seen[i]++;
    for (int s : seen) QCOMPARE(s, 1);
    QCOMPARE(d.train.size() + d.test.size(), 31 * 31);
  }

  void mt19937MatchesReferenceOutput() {
    // CPython 3.11: random.seed(0); random.getrandbits(32) == 3626764237.
    PythonRandom r(0);
    QCOMPARE(r.getrandbits(32), 3626764237u);
  }

  void operationsAreModular() {
    QCOMPARE(test::task_label(std::string("subtract"), 3, 5, 7), 5);
    QCOMPARE(test::task_label(std::string("multiply"), 6, 6, 7), 1);
    QCOMPARE(test::task_label(std::string("add"), 6, 6, 7), 5);
  }
};

GROK_TEST_APPLESS_MAIN(TestPythonRandom)
#include "test_python_random.moc"
