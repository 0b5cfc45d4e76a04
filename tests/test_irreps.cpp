// The real irreducible representations (core/analysis/irreps.h) of named groups and table groups:
// homomorphism and orthogonality to 1e-9, sum d^2 / e = |G|, the spans orthonormal and orthogonal
// to each other, the characters equal to the known character tables (a complex pair against
// 2 Re chi, a quaternionic irrep against 2 chi), and the groups' tables and refusals.
#include <QtTest>

#include <cmath>
#include <fstream>

#include "core/analysis/irreps.h"
#include "core/base/config.h"
#include "core/base/finite_group.h"
#include "core/base/task.h"
#include "test_util.h"

using namespace grok;

namespace {

// The character of each irrep on each class (classes in conjugacy_classes() order), by name.
using Table = std::map<std::string, std::vector<double>>;

const double kPhi = (1 + std::sqrt(5.0)) / 2;

void checkIrreps(const FiniteGroup& G) {
  const GroupIrreps& R = group_irreps(G);
  const int n = G.n;
  QCOMPARE(R.total_span(), n);
  QCOMPARE(R.irreps.front().name, std::string("trivial"));
  for (const Irrep& r : R.irreps) {
    const int d = r.dim;
    auto rho = [&](int g, int i, int j) { return r.matrices[(static_cast<std::size_t>(g) * d + i) * d + j]; };
    double hom = 0, orth = 0;
    for (int g = 0; g < n; g++) {
      for (int i = 0; i < d; i++)
        for (int j = 0; j < d; j++) {
          double rrT = 0;
          for (int k = 0; k < d; k++) rrT += rho(g, i, k) * rho(g, j, k);
          orth = std::max(orth, std::abs(rrT - (i == j)));
        }
      for (int h = 0; h < n; h++)
        for (int i = 0; i < d; i++)
          for (int j = 0; j < d; j++) {
            double prod = 0;
            for (int k = 0; k < d; k++) prod += rho(g, i, k) * rho(h, k, j);
            hom = std::max(hom, std::abs(rho(G.compose(g, h), i, j) - prod));
          }
    }
    QVERIFY2(hom < 1e-9, qPrintable(QString::fromStdString(G.name + " " + r.name) + QString(" hom %1").arg(hom)));
    QVERIFY2(orth < 1e-9, qPrintable(QString::fromStdString(G.name + " " + r.name) + QString(" orth %1").arg(orth)));
    // Every matrix entry g -> rho(g)_ij lies in the span, which is orthonormal.
    const int m = r.span_dim();
    for (int i = 0; i < d; i++)
      for (int j = 0; j < d; j++) {
        double norm = 0, inside = 0;
        for (int g = 0; g < n; g++) norm += rho(g, i, j) * rho(g, i, j);
        for (int a = 0; a < m; a++) {
          double c = 0;
          for (int g = 0; g < n; g++) c += r.span[static_cast<std::size_t>(a) * n + g] * rho(g, i, j);
          inside += c * c;
        }
        QVERIFY(std::abs(norm - inside) < 1e-9);
      }
  }
  // Characters orthogonal: <chi_r, chi_s> = e_r delta_rs; spans orthonormal across irreps.
  for (std::size_t a = 0; a < R.irreps.size(); a++)
    for (std::size_t b = 0; b < R.irreps.size(); b++) {
      double dot = 0;
      for (int g = 0; g < n; g++) dot += R.irreps[a].character[g] * R.irreps[b].character[g];
      QVERIFY(std::abs(dot / n - (a == b ? R.irreps[a].type : 0)) < 1e-9);
      const Irrep &r = R.irreps[a], &s = R.irreps[b];
      for (int i = 0; i < r.span_dim(); i++)
        for (int j = 0; j < s.span_dim(); j++) {
          double c = 0;
          for (int g = 0; g < n; g++)
            c += r.span[static_cast<std::size_t>(i) * n + g] * s.span[static_cast<std::size_t>(j) * n + g];
          QVERIFY(std::abs(c - (a == b && i == j)) < 1e-9);
        }
    }
}

void checkCharacters(const FiniteGroup& G, const Table& want) {
  const GroupIrreps& R = group_irreps(G);
  QCOMPARE(R.irreps.size(), want.size());
  for (const Irrep& r : R.irreps) {
    QVERIFY2(want.count(r.name), qPrintable(QString::fromStdString(G.name + ": unexpected irrep " + r.name)));
    const std::vector<double>& chi = want.at(r.name);
    QCOMPARE(chi.size(), R.classes.size());
    for (std::size_t c = 0; c < chi.size(); c++)
      for (int g : R.classes[c])
        QVERIFY2(std::abs(r.character[g] - chi[c]) < 1e-9,
                 qPrintable(QString::fromStdString(G.name + " " + r.name) +
                            QString(" class %1: %2, expected %3").arg(c).arg(r.character[g]).arg(chi[c])));
  }
}

std::string writeFile(const QString& dir, const char* name, const std::string& text) {
  const std::string path = (dir + "/" + name).toStdString();
  std::ofstream(path) << text;
  return path;
}

const char* kQ8 =
    ",1,-1,i,-i,j,-j,k,-k\n1,1,-1,i,-i,j,-j,k,-k\n-1,-1,1,-i,i,-j,j,-k,k\ni,i,-i,-1,1,k,-k,-j,j\n"
    "-i,-i,i,1,-1,-k,k,j,-j\nj,j,-j,-k,k,-1,1,i,-i\n-j,-j,j,k,-k,1,-1,-i,i\nk,k,-k,j,-j,-i,i,-1,1\n"
    "-k,-k,k,-j,j,i,-i,1,-1\n";

}  // namespace

class TestIrreps : public QObject {
  Q_OBJECT

 private slots:
  void homomorphismsAndOrthogonality_data() {
    QTest::addColumn<QString>("name");
    for (const char* g : {"Z2", "Z5", "Z6", "Z12", "Z2xZ2", "Z2xZ2xZ3", "D3", "D5", "D6", "S3", "S4", "S5", "A4", "A5"})
      QTest::newRow(g) << QString(g);
  }
  void homomorphismsAndOrthogonality() {
    QFETCH(QString, name);
    checkIrreps(named_group(name.toStdString()));
  }

  void quaternionsFromATable() {
    QTemporaryDir dir;
    const FiniteGroup Q8 = group_from_table_file(writeFile(dir.path(), "q8.csv", kQ8));
    QCOMPARE(Q8.labels[0], std::string("1"));
    checkIrreps(Q8);
    // Classes {1}, {-1}, {±i}, {±j}, {±k}; the 2-d complex irrep is quaternionic: real 4-d, 2 chi.
    checkCharacters(Q8, {{"trivial", {1, 1, 1, 1, 1}},
                         {"1a", {1, 1, 1, -1, -1}},
                         {"1b", {1, 1, -1, 1, -1}},
                         {"1c", {1, 1, -1, -1, 1}},
                         {"4 (quaternionic)", {4, -4, 0, 0, 0}}});
    QCOMPARE(group_irreps(Q8).irreps.back().type, 4);
  }

  void knownCharacterTables() {
    // Classes in conjugacy_classes() order: by smallest element (lexicographic permutations).
    checkCharacters(named_group("S3"), {{"trivial", {1, 1, 1}}, {"sign", {1, -1, 1}}, {"standard", {2, 0, -1}}});
    // S4: e, (2 3), (1 2 3), (0 1)(2 3), (0 1 2 3).
    checkCharacters(named_group("S4"), {{"trivial", {1, 1, 1, 1, 1}},
                                        {"sign", {1, -1, 1, 1, -1}},
                                        {"standard", {3, 1, 0, -1, -1}},
                                        {"standard x sign", {3, -1, 0, -1, 1}},
                                        {"[2,2]", {2, 0, -1, 2, 0}}});
    // A4: e, (1 2 3), (1 3 2), (0 1)(2 3); the complex pair omega, conj(omega) as 2 Re chi.
    checkCharacters(named_group("A4"),
                    {{"trivial", {1, 1, 1, 1}}, {"2 (complex)", {2, -1, -1, 2}}, {"3", {3, 0, 0, -1}}});
    // A5: e, 3-cycles, (2,2)-cycles, two classes of 5-cycles.
    checkCharacters(named_group("A5"), {{"trivial", {1, 1, 1, 1, 1}},
                                        {"3a", {3, 0, -1, kPhi, 1 - kPhi}},
                                        {"3b", {3, 0, -1, 1 - kPhi, kPhi}},
                                        {"4", {4, 1, 0, -1, -1}},
                                        {"5", {5, -1, 1, 0, 0}}});
    // Z_n: 2 cos(2 pi k x / n) for each rotation (complex type), the sign for even n.
    const FiniteGroup Z6 = named_group("Z6");
    Table z6;
    std::vector<std::vector<double>> rows(4);
    for (int x = 0; x < 6; x++) {
      rows[0].push_back(1), rows[3].push_back(x % 2 ? -1 : 1);
      for (int k = 1; k <= 2; k++) rows[k].push_back(2 * std::cos(2 * M_PI * k * x / 6));
    }
    checkCharacters(Z6, {{"trivial", rows[0]}, {"k=1", rows[1]}, {"k=2", rows[2]}, {"sign", rows[3]}});
    // D5: e, {r, r^4}, {r^2, r^3}, reflections.
    const double c1 = 2 * std::cos(2 * M_PI / 5), c2 = 2 * std::cos(4 * M_PI / 5);
    checkCharacters(named_group("D5"), {{"trivial", {1, 1, 1, 1}},
                                        {"det", {1, 1, 1, -1}},
                                        {"rotation 1", {2, c1, c2, 0}},
                                        {"rotation 2", {2, c2, c1, 0}}});
  }

  void symmetricGroupDimensions() {
    std::vector<int> dims;
    for (const Irrep& r : group_irreps(named_group("S5")).irreps) dims.push_back(r.dim);
    QCOMPARE(dims, (std::vector<int>{1, 1, 4, 4, 5, 5, 6}));
    dims.clear();
    for (const Irrep& r : group_irreps(named_group("A5")).irreps) dims.push_back(r.dim);
    QCOMPARE(dims, (std::vector<int>{1, 3, 3, 4, 5}));
    QCOMPARE(group_irreps(named_group("S6")).total_span(), 720);
  }

  void groupTablesAreChecked() {
    const FiniteGroup S3 = named_group("S3");
    QCOMPARE(S3.labels[0], std::string("e"));
    // (a o b)(x) = a(b(x)): b first.
    for (int a = 0; a < S3.n; a++)
      for (int b = 0; b < S3.n; b++)
        for (int x = 0; x < 3; x++)
          QCOMPARE(S3.permutations[S3.compose(a, b)][x], S3.permutations[a][S3.permutations[b][x]]);
    const FiniteGroup D12 = named_group("D12");
    QCOMPARE(D12.n, 24);
    QVERIFY(!D12.abelian());
    QVERIFY(named_group("Z2xZ2xZ3").abelian());
    QTemporaryDir dir;
    struct Bad {
      const char* file;
      std::string text, error;
    } bad[] = {
        {"loop.json", "[[0,1,2],[1,2,0],[2,0,0]]", "not associative: (1 ∘ 1) ∘ 2 != 1 ∘ (1 ∘ 2)"},
        {"missing.csv", "0,1,2\n1,2\n2,0,1\n", "row 1 has 2 entries, expected 3"},
        {"empty.csv", "0,1,2\n1,,0\n2,0,1\n", "row 1, column 1 is empty"},
        {"open.json", "[[0,1],[1,2]]", "not closed: row 1, column 1 holds 2"},
        {"noid.json", "[[1,1],[1,1]]", "no identity"},
        {"noinv.json", "[[0,1,2],[1,1,1],[2,1,2]]", "1 has no inverse"},
    };
    for (const Bad& b : bad) {
      const std::string path = writeFile(dir.path(), b.file, b.text);
      try {
        group_from_table_file(path);
        QFAIL(b.file);
      } catch (const ConfigError& e) {
        const std::string what = e.what();
        QVERIFY2(what.find(b.error) != std::string::npos && what.find('\n') == std::string::npos, e.what());
      }
    }
    // A table task carries its table in the config: the run needs the file no more.
    const std::string q8 = writeFile(dir.path(), "q8.csv", kQ8);
    Config c = parse_config(R"({"task": "table:)" + q8 + R"(", "train_fraction": 0.5})");
    QVERIFY(!c.task_table.empty());
    QVERIFY(QFile::remove(QString::fromStdString(q8)));
    const Config back = parse_config(config_to_string(c));
    QCOMPARE(Task(back).p(), 8);
    QCOMPARE(Task(back).label(2, 2), 1);  // i i = -1
    QCOMPARE(Task(back).token_label(1), std::string("-1"));
  }
};

GROK_TEST_APPLESS_MAIN(TestIrreps)
#include "test_irreps.moc"
