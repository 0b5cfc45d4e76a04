// The run panel and core's config field table, headless: every field of the table has an editor
// and survives the panel's round trip (eps among them), errors name and mark the field, and at the
// design size every label sits beside its field, the run file's included.
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QtTest>

#include <nlohmann/json.hpp>

#include "core/base/task.h"
#include "core/training/trainer.h"
#include "test_util.h"
#include "ui_test_util.h"

#include "core/base/config.h"
#include "ui/run/config_editors.h"
#include "ui/run/run_panel.h"
#include "ui/window/main_window.h"

using namespace grok;

namespace {

QRect inPanel(QWidget* w, QWidget* panel) { return QRect(w->mapTo(panel, QPoint()), w->size()); }

}  // namespace

class TestUiRunPanel : public QObject {
  Q_OBJECT
  QTemporaryDir settings_;

 private slots:
  void initTestCase() { initUiTest(settings_.path()); }

  void theTableDescribesEveryJsonFieldOnce() {
    const nlohmann::json j = config_to_json(Config{});
    QCOMPARE(j.size(), config_fields().size());
    QSet<QString> names;
    for (const ConfigField& f : config_fields()) {
      QVERIFY2(j.contains(f.name), f.name);
      QVERIFY2(!names.contains(f.name), f.name);
      names << f.name;
      QVERIFY(std::string(f.help).size() > 5 && f.range.size() > 3);
      QVERIFY(find_config_field(f.name) == &f);
    }
    QVERIFY(!find_config_field("learning_rate"));
    // The ranges as messages have always written them.
    const std::pair<const char*, const char*> ranges[] = {{"operation", task_names_help().c_str()},
                                                          {"p", "odd integer 3..1021"},
                                                          {"train_fraction", "number in (0, 1)"},
                                                          {"lr", "number 0..1"},
                                                          {"beta1", "number in [0, 1)"},
                                                          {"eps", "number in (0, 1]"},
                                                          {"weight_decay", "number 0..100"},
                                                          {"epochs", "integer 1..10000000"},
                                                          {"regularizer", "weight_decay, dropout, l1"}};
    for (auto [name, range] : ranges) QCOMPARE(find_config_field(name)->range, std::string(range));
  }

  void setConfigFieldChecksOneFieldAgainstTheTable() {
    Config c;
    set_config_field(c, *find_config_field("eps"), "1e-6");
    QCOMPARE(c.eps, 1e-6);
    set_config_field(c, *find_config_field("regularizer"), "l1");
    QCOMPARE(c.regularizer, Regularizer::L1);
    // Rules joining fields are validate()'s: set in any order, checked together.
    set_config_field(c, *find_config_field("d_model"), "130");
    QVERIFY_THROWS_EXCEPTION(ConfigError, validate(c));
    set_config_field(c, *find_config_field("n_heads"), "5");
    validate(c);
    try {
      set_config_field(c, *find_config_field("eps"), "0");
      QFAIL("eps 0 accepted");
    } catch (const ConfigError& e) {
      QCOMPARE(QString(e.what()), QString("eps: got 0 (allowed: number in (0, 1])"));
    }
    c.warmup_steps = -1;  // built in code: validate() applies the same range
    QVERIFY_THROWS_EXCEPTION(ConfigError, validate(c));
  }

  void everyFieldHasAnEditor() {
    RunPanel panel;
    for (const ConfigField& f : config_fields()) {
      QWidget* e = panel.fieldEditor(f.name);
      QVERIFY2(e, f.name);
      if (f.kind != ConfigField::Kind::Integer && f.kind != ConfigField::Kind::Number) {  // a named value
        auto* combo = qobject_cast<QComboBox*>(e);
        QVERIFY2(combo && combo->count() == static_cast<int>(config_field_choices(f).size()), f.name);
      } else {
        QVERIFY2(qobject_cast<QLineEdit*>(e), f.name);
      }
      QVERIFY2(e->toolTip().contains(QString::fromStdString(f.range)), f.name);
    }
  }

  void aConfigSurvivesThePanel() {
    Config c;
    c.task = std::string("subtract");
    c.p = 97;
    c.seed = 7;
    c.beta1 = 0.8;
    c.eps = 1e-6;  // the field the panel used to drop
    c.warmup_steps = 3;
    c.regularizer = Regularizer::Dropout;
    c.dropout = 0.25;
    c.epochs = 1234;
    RunPanel panel;
    panel.setConfig(c);
    const std::optional<Config> back = panel.config();
    QVERIFY2(back, qPrintable(panel.error()));
    QCOMPARE(QString::fromStdString(config_to_string(*back)), QString::fromStdString(config_to_string(c)));
    panel.setField("eps", "2e-7");  // as typed
    QCOMPARE(panel.config()->eps, 2e-7);
  }

  void fieldsTheRunDoesNotReadAreGreyedWithWhy() {
    RunPanel panel;
    panel.setField("task", "add");
    QVERIFY(panel.fieldEditor("p")->isEnabled() && panel.fieldEditor("attention_rate")->isEnabled());
    QVERIFY(!panel.fieldEditor("activation")->isEnabled());  // the transformer's MLP is ReLU
    QVERIFY2(panel.fieldEditor("activation")->toolTip().contains("unused: the transformer model does not read it"),
             qPrintable(panel.fieldEditor("activation")->toolTip()));
    panel.setField("task", "S4");
    QVERIFY(!panel.fieldEditor("p")->isEnabled());
    QVERIFY(panel.fieldEditor("p")->toolTip().contains("unused: the task is a group's"));
    QVERIFY(panel.config());  // unused is not wrong
  }

  void anErrorNamesAndMarksItsField() {
    RunPanel panel;
    panel.setField("eps", "0");
    QVERIFY(!panel.config());
    QVERIFY2(panel.error().startsWith("eps: got 0"), qPrintable(panel.error()));
    QVERIFY(panel.fieldEditor("eps")->styleSheet().contains("border"));
    QVERIFY(panel.fieldEditor("lr")->styleSheet().isEmpty());
    panel.setField("eps", "1e-8");
    panel.setField("d_model", "130");  // a rule joining two fields names the first
    QVERIFY2(panel.error().startsWith("d_model: 130 is not divisible by n_heads=4"), qPrintable(panel.error()));
    QVERIFY(panel.fieldEditor("d_model")->styleSheet().contains("border"));
    panel.setField("n_heads", "5");
    QVERIFY2(panel.config(), qPrintable(panel.error()));
  }

  void labelsSitBesideTheirFieldsAtTheDesignSize() {
    MainWindow w;
    w.resize(MainWindow::designSize());
    w.show();
    QVERIFY(QTest::qWaitForWindowExposed(&w));
    RunPanel* panel = w.runPanel();
    // The fields by topic, a section each, sharing one label column.
    const QList<QFormLayout*> forms = panel->findChildren<QFormLayout*>();
    QVERIFY(forms.size() >= 5);
    // The dashboard's default layout (applied once shown) gives the panel a narrow column.
    QTRY_VERIFY(panel->isVisible() && panel->width() < w.width() / 4);
    auto* runLabel = panel->findChild<QLabel*>("run-file-label");
    auto* runField = panel->findChild<QLineEdit*>("run-file");
    QVERIFY(runLabel && runField);
    QVERIFY(runLabel->text() == "Run file" && runLabel->isVisible() && runField->isVisible());
    auto* pForm = qobject_cast<QFormLayout*>(panel->fieldEditor("p")->parentWidget()->layout());
    QVERIFY(pForm);
    const QRect pLabel = inPanel(pForm->labelForField(panel->fieldEditor("p")), panel);
    const QRect pField = inPanel(panel->fieldEditor("p"), panel);
    int rows = 0;
    for (QFormLayout* form : forms) {
      if (!form->parentWidget() || !qobject_cast<QGroupBox*>(form->parentWidget())) continue;  // the preset's row
      for (int row = 0; row < form->rowCount(); row++) {
        QWidget* label = form->itemAt(row, QFormLayout::LabelRole)->widget();
        QWidget* field = form->itemAt(row, QFormLayout::FieldRole)->widget();
        if (!field->isVisible()) continue;  // a field this run does not read
        rows++;
        const QRect l = inPanel(label, panel);
        const QRect f = inPanel(field, panel);
        const QString what = static_cast<QLabel*>(label)->text();
        QVERIFY2(!l.intersects(f), qPrintable(what));
        QVERIFY2(l.width() >= label->sizeHint().width(), qPrintable(what));  // its text whole
        // In the sections' two columns, like every other row.
        QVERIFY2(l.left() == pLabel.left() && f.left() == pField.left(), qPrintable(what));
      }
    }
    QVERIFY(rows >= 25);
    // The mainline's transformer does not read activation, nor weight decay's run dropout: hidden,
    // until "Show unused fields".
    QVERIFY(!panel->fieldEditor("activation")->isVisible() && !panel->fieldEditor("dropout")->isVisible());
    panel->findChild<QCheckBox*>("show-unused")->setChecked(true);
    QTRY_VERIFY(panel->fieldEditor("dropout")->isVisible());
    QVERIFY(!panel->fieldEditor("dropout")->isEnabled());
    panel->setField("regularizer", "dropout");
    panel->findChild<QCheckBox*>("show-unused")->setChecked(false);
    QTRY_VERIFY(panel->fieldEditor("dropout")->isVisible());
    QVERIFY(panel->fieldEditor("dropout")->isEnabled() && !panel->fieldEditor("weight_decay")->isVisible());
    const QRect l = inPanel(runLabel, panel), f = inPanel(runField, panel);
    QVERIFY(!l.intersects(f) && f.left() == pField.left());
    w.grab().save(QDir::tempPath() + "/grok-run-panel-design-size.png");
  }

  // An opened run shows its own settings, read-only, with where it came from, not the preset's
  // form; "New run from these settings" makes them the form of a new run.
  void theOpenRunShowsItsOwnSettings() {
    test::ScratchDir dir;
    Config c = test::tiny_config(13, 40, 10, 5);
    c.weight_decay = 0.25;
    c.grad_filter = GradFilter::Ema;  // a recipe, named in the header
    test::train_run(c, dir.file("mine.grok"));
    MainWindow w;
    w.show();
    RunPanel* panel = w.runPanel();
    QVERIFY(!panel->showingRun());
    QCOMPARE(configEditorText(panel->fieldEditor("p")), QString("113"));  // the preset's form
    QVERIFY(w.openRun(dir.qfile("mine.grok"), true));
    QVERIFY(panel->showingRun());
    QCOMPARE(panel->shownRun(), dir.qfile("mine.grok"));
    QCOMPARE(configEditorText(panel->fieldEditor("p")), QString("13"));
    QCOMPARE(configEditorText(panel->fieldEditor("weight_decay")), QString("0.25"));
    for (const ConfigField& f : config_fields())
      QVERIFY2(!panel->fieldEditor(f.name)->isEnabled(), f.name);  // read, not edited
    const QString header = panel->runHeader()->text();
    QVERIFY2(header.contains("mine.grok") && header.contains("trained here") && header.contains("Grokfast"),
             qPrintable(header));
    QVERIFY(panel->runHeader()->isVisible());
    auto* start = panel->findChild<QPushButton*>("start");
    auto* again = panel->findChild<QPushButton*>("new-run-from-settings");
    QVERIFY(start && again && again->isVisible());
    QVERIFY(!start->isEnabled());
    QVERIFY(start->toolTip().contains("New run from these settings"));

    again->click();
    QVERIFY(!panel->showingRun());
    QVERIFY(!panel->runHeader()->isVisible());
    QVERIFY(panel->fieldEditor("weight_decay")->isEnabled());
    QCOMPARE(configEditorText(panel->fieldEditor("p")), QString("13"));  // its settings, now a new run's
    QVERIFY(start->isEnabled());
    QVERIFY(panel->runPath() != dir.qfile("mine.grok"));  // never the open run's file
    QCOMPARE(QFileInfo(panel->runPath()).absolutePath(), QFileInfo(dir.qfile("mine.grok")).absolutePath());
    const std::optional<Config> again_cfg = panel->config();
    QVERIFY(again_cfg && again_cfg->p == 13 && again_cfg->weight_decay == 0.25);

    // A fork says whose.
    Trainer::fork(dir.file("mine.grok"), 20, {"weight_decay=0"}, dir.file("child.grok"), false, {1});
    QVERIFY(w.openRun(dir.qfile("child.grok"), true));
    QVERIFY2(panel->runHeader()->text().contains("forked from mine.grok at epoch 20"),
             qPrintable(panel->runHeader()->text()));
  }
};

GROK_TEST_MAIN(TestUiRunPanel, QApplication)
#include "test_ui_run_panel.moc"
