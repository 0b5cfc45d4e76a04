// Every operation analysed in its own group (core/base/operation_group.h): the group maps against
// brute force, the divide dataset, the Fourier basis of even length, and hand-built transformers
// (planted_model.h) for a + b, a - b, a * b and a / b whose circuits the analysis must find exactly.
#include <QtTest>

#include <cmath>
#include <numeric>
#include <set>

#include "core/analysis/ablation_checks.h"
#include "core/analysis/snapshot.h"
#include "core/base/operation_group.h"
#include "core/data/dataset.h"
#include "core/data/python_random.h"
#include "planted_model.h"
#include "test_util.h"

using namespace grok;

Q_DECLARE_METATYPE(std::vector<int>)

class TestOperations : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void primitiveRootsAndDiscreteLogsMatchBruteForce() {
    int primes = 0;
    for (int p = 2; p < 200; p++) {
      bool prime = true;
      for (int d = 2; d < p; d++) prime = prime && p % d != 0;
      QCOMPARE(is_prime(p), prime);
      if (!prime || p == 2) continue;
      primes++;
      // The smallest g whose powers reach every nonzero residue.
      int g = 2;
      for (;; g++) {
        std::set<int> seen;
        for (long long x = 1, i = 0; i < p - 1; i++, x = x * g % p) seen.insert(static_cast<int>(x));
        if (static_cast<int>(seen.size()) == p - 1) break;
      }
      QCOMPARE(primitive_root(p), g);
      for (std::string op : {std::string("multiply"), std::string("divide")}) {
        const OperationGroup G = operation_group(op, p);
        QCOMPARE(G.n, p - 1);
        QCOMPARE(G.generator, g);
        QCOMPARE(G.element[0], -1);
        for (long long x = 1, i = 0; i < p - 1; i++, x = x * g % p) {
          QCOMPARE(G.token[i], static_cast<int>(x));  // g^i
          QCOMPARE(G.element[x], static_cast<int>(i));
        }
        for (int a = 1; a < p; a++)
          for (int b = 1; b < p; b++) {
            const int k = (G.a_element(a) + G.b_element(b)) % G.n;
            const long long want =
                op == std::string("multiply") ? 1LL * a * b % p : 1LL * a * G.token[(G.n - G.element[b]) % G.n] % p;
            QCOMPARE(G.c_token(k), static_cast<int>(want));
            QCOMPARE(test::task_label(op, a, b, p), static_cast<int>(want));
          }
      }
    }
    QCOMPARE(primes, 45);  // the odd primes below 200
    for (std::string op : {std::string("add"), std::string("subtract")}) {
      const OperationGroup G = operation_group(op, 15);  // any odd p
      for (int a = 0; a < 15; a++)
        for (int b = 0; b < 15; b++)
          QCOMPARE(G.c_token((G.a_element(a) + G.b_element(b)) % 15), test::task_label(op, a, b, 15));
    }
  }

  void compositeModulusRefused() {
    for (std::string op : {std::string("multiply"), std::string("divide")}) {
      QVERIFY_THROWS_EXCEPTION(ConfigError, operation_group(op, 15));
      Config c;
      c.task = op;
      c.p = 91;
      try {
        validate(c);
        QFAIL("a composite p was accepted");
      } catch (const ConfigError& e) {
        QVERIFY2(QString(e.what()).startsWith("p: 91 is not prime"), e.what());
      }
      c.p = 97;
      validate(c);
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, test::task_label(std::string("divide"), 3, 0, 7));
  }

  void divideDatasetLeavesOutTheZeroDivisor() {
    Config c;
    c.task = std::string("divide");
    c.p = 23;
    c.train_fraction = 0.4;
    const Dataset d = make_dataset(c);
    QCOMPARE(Task(c).domain_size(), 23 * 22);
    QCOMPARE(d.train.size(), static_cast<int>(0.4 * 23 * 22));
    QCOMPARE(d.train.size() + d.test.size(), 23 * 22);
    // The reference rule over the p*(p-1) pairs: shuffle their list with Python's random.
    std::vector<int> order;
    for (int a = 0; a < 23; a++)
      for (int b = 1; b < 23; b++) order.push_back(a * 23 + b);
    PythonRandom(c.seed).shuffle(order);
    QCOMPARE(d.order, order);
    for (const Split* s : {&d.train, &d.test})
      for (int i = 0; i < s->size(); i++) {
        QVERIFY(s->b[i] != 0);
        QCOMPARE(s->a[i], static_cast<int>(1LL * s->c[i] * s->b[i] % 23));
      }
    // add, subtract and multiply keep the split of every p*p pair.
    for (std::string op : {std::string("add"), std::string("subtract"), std::string("multiply")}) {
      c.task = op;
      std::vector<int> all(23 * 23);
      std::iota(all.begin(), all.end(), 0);
      PythonRandom(c.seed).shuffle(all);
      QCOMPARE(make_dataset(c).order, all);
    }
  }

  void evenLengthFourierBasis() {
    // Z_(p-1) is even: its last frequency is the sign character (-1)^x, with no sine.
    for (int n : {30, 112, 9}) {
      const FourierBasis F(n);
      QCOMPARE(F.n_freqs(), n / 2);
      QCOMPARE(F.has_sin(n / 2), n % 2 == 1);
      const std::vector<double>& B = F.matrix();
      for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
          double dot = 0;
          for (int x = 0; x < n; x++) dot += B[i * n + x] * B[j * n + x];
          QVERIFY(std::abs(dot - (i == j)) < 1e-12);
        }
      std::vector<double> x(3 * n);
      for (std::size_t i = 0; i < x.size(); i++) x[i] = std::sin(0.7 * i) + 0.1 * i;
      const std::vector<double> c = F.transform_rows(x, 3);
      for (int r = 0; r < 3; r++)
        for (int i = 0; i < n; i++) {
          double want = 0;
          for (int t = 0; t < n; t++) want += B[i * n + t] * x[r * n + t];
          QVERIFY2(
              std::abs(c[r * n + i] - want) < 1e-12 * (1 + std::abs(want)) * n,
              qPrintable(QString("n %1 row %2 comp %3: %4 vs %5").arg(n).arg(r).arg(i).arg(c[r * n + i]).arg(want)));
        }
    }
  }

  void plantedCircuitIsFoundInEveryGroup_data() {
    QTest::addColumn<std::string>("op");
    QTest::addColumn<std::vector<int>>("key");
    QTest::addColumn<double>("exact");  // the planted model's accuracy over the group's pairs
    // In an even group the planted logits ~ |cos(w(i-j)/2)| cos(w(i+j-k)) lose every odd key at
    // i - j = n/2 (and the sign character at every odd i - j): the even keys left tie two answers.
    QTest::newRow("add") << std::string("add") << std::vector<int>{3, 7, 11} << 1.0;
    QTest::newRow("subtract") << std::string("subtract") << std::vector<int>{2, 9, 14} << 1.0;
    QTest::newRow("multiply") << std::string("multiply") << std::vector<int>{4, 7, 11} << 1.0 - 1.0 / 30;
    QTest::newRow("divide, with the sign character") << std::string("divide") << std::vector<int>{4, 9, 15} << 0.94;
  }
  void plantedCircuitIsFoundInEveryGroup() {
    QFETCH(std::string, op);
    QFETCH(std::vector<int>, key);
    QFETCH(double, exact);
    const Config c = test::planted_config(op);
    const FourierBasis F(Task(c).group());
    const std::vector<NamedArray> ck = test::planted_checkpoint(c, key, 4.0f);
    const Snapshot s = compute_snapshot(c, 0, CheckpointWeights(c, ck), make_dataset(c), std::nullopt, F);
    const ProgressMeasures& m = s.measures;
    const QString got = QString("keys %1, test loss %2, restricted %3, excluded %4, gini_wl %5")
                            .arg(QString::fromStdString(join_freqs(s.detected.freqs)))
                            .arg(m.test_loss)
                            .arg(m.restricted_loss_test)
                            .arg(m.excluded_loss_train)
                            .arg(m.gini_wl);
    QVERIFY2(s.detected.freqs == key, qPrintable(got));
    // Restricted to the planted frequencies the model still solves its group's pairs; without them it
    // is worse than chance.
    QVERIFY2(m.restricted_acc_test >= exact, qPrintable(QString::number(m.restricted_acc_test)));
    QVERIFY2(m.restricted_loss_test < 0.05, qPrintable(got));
    QVERIFY2(m.excluded_loss_train > std::log(double(c.p)), qPrintable(got));
    QVERIFY2(m.gini_wl > 0.75, qPrintable(got));
    // Every neuron has its planted frequency, but for the sign character's neurons with cos f = 0,
    // ReLU(cos f ((-1)^i + (-1)^j)) = 0: dead.
    int right = 0, dead = 0;
    for (int j = 0; j < c.d_mlp; j++) right += s.neurons.freq[j] == key[j / 40], dead += s.neurons.freq[j] == 0;
    QCOMPARE(right + dead, c.d_mlp);
    QCOMPARE(dead, key.back() * 2 == F.n() ? 2 : 0);
    const double mean_fve = std::accumulate(s.neurons.fve.begin(), s.neurons.fve.end(), 0.0) / (c.d_mlp - dead);
    QVERIFY2(mean_fve > 0.85, qPrintable(QString::number(mean_fve)));
    // The pairs with a zero operand lie outside Z_(p-1): counted apart, in the losses and the table.
    const int outside = op == std::string("multiply") ? 2 * c.p - 1 : op == std::string("divide") ? c.p - 1 : 0;
    QCOMPARE(m.outside_pairs, outside);
    const AblationChecks t = ablation_checks(c, CheckpointWeights(c, ck), key, F, pair_forward(s));
    QCOMPARE(t.rows.back().check == "full model, pairs with a zero operand", outside > 0);
    QVERIFY2(t.rows.front().accuracy >= exact, qPrintable(QString::number(t.rows.front().accuracy)));
    QVERIFY2(t.logit_fit_fve > 0.5, qPrintable(QString::number(t.logit_fit_fve)));
    QVERIFY2(t.wl_norm_outside_key < 1e-5, qPrintable(QString::number(t.wl_norm_outside_key)));
  }
};

GROK_TEST_APPLESS_MAIN(TestOperations)
#include "test_operations.moc"
