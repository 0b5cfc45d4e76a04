// Config validation: every bad field gives one line naming it and its allowed range.
#include <QtTest>

#include "core/base/config.h"
#include "core/base/presets.h"
#include "test_util.h"

using namespace grok;

class TestConfig : public QObject {
  Q_OBJECT
 private Q_SLOTS:
  void defaultsAreTheMainline() {
    const Config c = parse_config("{}");
    QCOMPARE(c.p, 113);
    QCOMPARE(Task(c).n_train(c.train_fraction), 3830);
    QCOMPARE(c.weight_decay, 1.0);
    QCOMPARE(c.beta2, 0.98);
    QCOMPARE(c.epochs, 40000);
  }

  void roundTripsThroughJson() {
    Config c;
    c.p = 97;
    c.task = std::string("multiply");
    c.regularizer = Regularizer::Dropout;
    c.dropout = 0.5;
    const Config d = parse_config(config_to_string(c));
    QCOMPARE(config_to_string(d), config_to_string(c));
  }

  void rejectsBadInput_data() {
    QTest::addColumn<QString>("json");
    QTest::addColumn<QString>("field");
    QTest::newRow("unknown key") << R"({"learning_rate": 0.1})"
                                 << "learning_rate: unknown key";
    QTest::newRow("wrong type") << R"({"p": "113"})"
                                << "p: expected an integer";
    QTest::newRow("p even") << R"({"p": 100})"
                            << "p: got 100 (allowed: odd integer 3..1021)";
    QTest::newRow("p small") << R"({"p": 1})"
                             << "p: got 1";
    QTest::newRow("fraction 0") << R"({"train_fraction": 0})"
                                << "train_fraction: got 0";
    QTest::newRow("fraction 1") << R"({"train_fraction": 1.0})"
                                << "train_fraction: got 1";
    QTest::newRow("heads") << R"({"d_model": 130, "n_heads": 4})"
                           << "d_model: 130 is not divisible by n_heads=4";
    QTest::newRow("operation") << R"({"operation": "power"})"
                               << "task: unknown task \"power\"";
    QTest::newRow("S9") << R"({"task": "S9"})"
                        << "task: S9: S_n needs 2 <= n <= 6";
    QTest::newRow("D0") << R"({"task": "D0"})"
                        << "task: D0: D_n (order 2n) needs 3 <= n";
    QTest::newRow("polynomial, composite p") << R"({"task": "x2+y2", "p": 99})"
                                             << "p: 99 is not prime, and x2+y2 needs a prime p";
    QTest::newRow("operation disagrees") << R"({"operation": "add", "task": "S5"})"
                                         << "operation: \"add\" disagrees with task \"S5\"";
    QTest::newRow("missing table") << R"({"task": "table:/nonexistent/q8.csv"})"
                                   << "table:/nonexistent/q8.csv: cannot open the file";
    QTest::newRow("multiply composite") << R"({"operation": "multiply", "p": 115})"
                                        << "p: 115 is not prime, and multiply needs a prime p";
    QTest::newRow("divide composite") << R"({"operation": "divide", "p": 9})"
                                      << "p: 9 is not prime, and divide needs a prime p";
    QTest::newRow("regularizer") << R"({"regularizer": "l2"})"
                                 << "regularizer: got \"l2\"";
    QTest::newRow("dropout") << R"({"dropout": 1.0})"
                             << "dropout: got 1";
    QTest::newRow("negative wd") << R"({"weight_decay": -1})"
                                 << "weight_decay: got -1";
    QTest::newRow("epochs") << R"({"epochs": 0})"
                            << "epochs: got 0";
    QTest::newRow("fractional int") << R"({"d_mlp": 12.5})"
                                    << "d_mlp: expected an integer";
    QTest::newRow("not an object") << R"([1, 2])"
                                   << "config: expected a JSON object";
    QTest::newRow("not json") << R"({"p": )"
                              << "config: not valid JSON";
  }
  void rejectsBadInput() {
    QFETCH(QString, json);
    QFETCH(QString, field);
    try {
      parse_config(json.toStdString());
      QFAIL("accepted an invalid config");
    } catch (const ConfigError& e) {
      const QString msg = QString::fromStdString(e.what());
      QVERIFY2(msg.startsWith(field), qPrintable(msg));
      QVERIFY2(!msg.contains('\n'), "error must be one line");
    }
  }

  void setOverridesOneField() {
    Config c;
    set_config_value(c, "weight_decay=0.3");
    set_config_value(c, "operation=subtract");
    set_config_value(c, "p=97");
    QCOMPARE(c.weight_decay, 0.3);
    QCOMPARE(c.task, std::string("subtract"));
    QCOMPARE(c.p, 97);
    QVERIFY_THROWS_EXCEPTION(ConfigError, set_config_value(c, "p=98"));
    QVERIFY_THROWS_EXCEPTION(ConfigError, set_config_value(c, "nonsense"));
  }

  void presetsAreValid() {
    QStringList names;
    for (const auto& p : presets()) names << QString::fromStdString(p.name);
    for (const char* want :
         {"mainline", "quick", "no-weight-decay", "dropout", "two-layer", "subtract", "multiply", "divide", "group"})
      QVERIFY2(names.contains(want), want);
    QCOMPARE(preset("no-weight-decay").config.effective_weight_decay(), 0.0);
    QCOMPARE(preset("two-layer").config.n_layers, 2);
    QCOMPARE(preset("group").config.task, std::string("S4"));
    QCOMPARE(preset("dropout").config.effective_dropout(), 0.2);
    QCOMPARE(preset("subtract").config.task, std::string("subtract"));
    QCOMPARE(preset("multiply").config.task, std::string("multiply"));
    QCOMPARE(preset("divide").config.task, std::string("divide"));
    QVERIFY_THROWS_EXCEPTION(ConfigError, preset("nope"));
  }
};

GROK_TEST_APPLESS_MAIN(TestConfig)
#include "test_config.moc"
