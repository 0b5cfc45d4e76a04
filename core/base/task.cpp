#include "core/base/task.h"

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <stdexcept>

namespace grok {

struct Task::Data {
  std::string name, description, reason;
  int p = 0;                // tokens
  bool uses_p = true;       // the config's p is the modulus
  std::vector<int> labels;  // [p*p]: c of (a, b), -1 outside the domain
  int domain = 0;
  std::optional<OperationGroup> group;
  std::shared_ptr<const FiniteGroup> on;  // the group a conj / aba task is on
};

namespace {

// The mod-p operations: name, how `describe` writes it, its answer; b != 0 for those marked.
struct ModOp {
  const char* name;
  const char* formula;  // in a and b
  bool needs_prime, b_nonzero;
  long long (*f)(long long a, long long b, long long inv_b, long long p);
};

const ModOp kModOps[] = {
    {"add", "a + b", false, false, [](long long a, long long b, long long, long long) { return a + b; }},
    {"subtract", "a - b", false, false, [](long long a, long long b, long long, long long) { return a - b; }},
    {"multiply", "a * b", true, false, [](long long a, long long b, long long, long long) { return a * b; }},
    {"divide", "a / b", true, true, [](long long a, long long, long long ib, long long) { return a * ib; }},
    // Power et al.'s "x/y if y odd else x-y": y = 0 is even, so every pair has an answer.
    {"mixed", "a / b if b is odd, else a - b", true, false,
     [](long long a, long long b, long long ib, long long) { return b % 2 ? a * ib : a - b; }},
    {"x2+y2", "a² + b²", true, false, [](long long a, long long b, long long, long long) { return a * a + b * b; }},
    {"x2+xy+y2", "a² + ab + b²", true, false,
     [](long long a, long long b, long long, long long) { return a * a + a * b + b * b; }},
    {"x2+xy+y2+x", "a² + ab + b² + a", true, false,
     [](long long a, long long b, long long, long long) { return a * a + a * b + b * b + a; }},
    {"x3+xy", "a³ + ab", true, false,
     [](long long a, long long b, long long, long long p) { return a * a % p * a + a * b; }},
    {"x3+xy2+y", "a³ + ab² + b", true, false,
     [](long long a, long long b, long long, long long p) { return a * a % p * a + a * (b * b % p) + b; }},
};

const ModOp* mod_op(const std::string& name) {
  for (const ModOp& op : kModOps)
    if (name == op.name) return &op;
  return nullptr;
}

long long inverse_mod(long long b, long long p) {  // b^-1 mod p by Fermat (p prime, b != 0)
  long long inv = 1, base = b % p;
  for (long long e = p - 2; e > 0; e >>= 1, base = base * base % p)
    if (e & 1) inv = inv * base % p;
  return inv;
}

[[noreturn]] void refuse(const std::string& what) {
  throw ConfigError("task: " + what + " (allowed: " + task_names_help() + ")");
}

// "S5-conj" -> {"S5", "conj"}.
std::pair<std::string, std::string> split_suffix(const std::string& name) {
  const auto dash = name.rfind('-');
  if (dash == std::string::npos) return {name, ""};
  return {name.substr(0, dash), name.substr(dash + 1)};
}

std::shared_ptr<const FiniteGroup> group_of(const std::string& name, const std::string& table_json) {
  if (name.rfind("table:", 0) == 0) {
    if (table_json.empty()) return std::make_shared<const FiniteGroup>(group_from_table_file(name.substr(6)));
    return std::make_shared<const FiniteGroup>(group_from_table_text(table_json, true, name));
  }
  FiniteGroup g;
  if (!parse_group_name(name, g)) return nullptr;
  return std::make_shared<const FiniteGroup>(std::move(g));
}

std::shared_ptr<const Task::Data> build(const std::string& name, int p, const std::string& table_json) {
  auto d = std::make_shared<Task::Data>();
  d->name = name;
  if (const ModOp* op = mod_op(name)) {
    if (op->needs_prime && !is_prime(p))
      throw ConfigError("p: " + std::to_string(p) + " is not prime, and " + name +
                        " needs a prime p (allowed: a prime such as 97 or 113)");
    d->p = p;
    d->labels.assign(static_cast<std::size_t>(p) * p, -1);
    for (int a = 0; a < p; a++)
      for (int b = 0; b < p; b++) {
        if (op->b_nonzero && b == 0) continue;
        const long long ib = op->needs_prime && b != 0 ? inverse_mod(b, p) : 0;
        d->labels[static_cast<std::size_t>(a) * p + b] = static_cast<int>(((op->f(a, b, ib, p) % p) + p) % p);
      }
    d->description = std::string("(") + op->formula + ") mod " + std::to_string(p);
    if (std::string(op->name) == "mixed") d->description = std::string(op->formula) + ", mod " + std::to_string(p);
    if (name == "add" || name == "subtract" || name == "multiply" || name == "divide")
      d->group = operation_group(name, p);
    else
      d->reason = d->description + " is not a group's composition";
  } else {
    const auto [base, suffix] = split_suffix(name);
    const bool on_group = suffix == "conj" || suffix == "aba";
    auto G = group_of(on_group ? base : name, table_json);
    if (!G) refuse("unknown task \"" + name + "\"");
    d->uses_p = false;
    d->p = G->n;
    d->labels.resize(static_cast<std::size_t>(G->n) * G->n);
    for (int a = 0; a < G->n; a++)
      for (int b = 0; b < G->n; b++)
        d->labels[static_cast<std::size_t>(a) * G->n + b] =
            suffix == "conj"  ? G->compose(G->compose(G->inverse[a], b), a)  // Power's x∘y∘x⁻¹, x acting first
            : suffix == "aba" ? G->compose(G->compose(a, b), a)
                              : G->compose(a, b);
    if (suffix == "conj") {
      d->description = "a ∘ b ∘ a⁻¹ in " + G->name + " (a acting first)";
      d->reason = "a ∘ b ∘ a⁻¹ is not a group's composition";
    } else if (suffix == "aba") {
      d->description = "a ∘ b ∘ a in " + G->name;
      d->reason = "a ∘ b ∘ a is not a group's composition";
    } else {
      d->description = "a ∘ b in " + G->name;
      d->group = group_task(G);
    }
    d->on = std::move(G);
  }
  for (int c : d->labels) d->domain += c >= 0;
  return d;
}

}  // namespace

const std::string& task_names_help() {
  static const std::string names =
      "add, subtract, multiply, divide, mixed, x2+y2, x2+xy+y2, x2+xy+y2+x, x3+xy, x3+xy2+y (mod p); "
      "Z12, Z2xZ2xZ3, D12, S5, A5, table:FILE (groups); S5-conj, S5-aba";
  return names;
}

namespace {
void check_name(const std::string& name) {
  if (mod_op(name)) return;
  const auto [base, suffix] = split_suffix(name);
  FiniteGroup g;
  if (suffix == "conj" || suffix == "aba") {
    if (base.rfind("table:", 0) != 0 && !parse_group_name(base, g)) refuse("unknown task \"" + name + "\"");
    return;
  }
  if (name.rfind("table:", 0) == 0) {
    if (name.size() == 6) refuse("table: needs a file name, e.g. table:q8.csv");
    return;
  }
  if (!parse_group_name(name, g)) refuse("unknown task \"" + name + "\"");
}
}  // namespace

void check_task_name(const std::string& name) {
  try {
    check_name(name);
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    if (what.rfind("task: ", 0) == 0) throw;
    throw ConfigError("task: " + what);
  }
}

Task::Task(const Config& cfg) {
  const bool table = cfg.task.rfind("table:", 0) == 0 || cfg.task.find("table:") != std::string::npos;
  const std::string key = cfg.task + "|" + std::to_string(cfg.p) + "|" +
                          (table ? std::to_string(std::hash<std::string>{}(cfg.task_table)) : "");
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Data>> cache;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (auto it = cache.find(key); it != cache.end()) d_ = it->second;
  }
  if (!d_) {
    d_ = build(cfg.task, cfg.p, cfg.task_table);
    std::lock_guard<std::mutex> lock(mutex);
    if (cache.size() >= 64) cache.clear();
    cache.emplace(key, d_);
  }
  p_ = d_->p;
}

bool Task::in_domain(int a, int b) const {
  return a >= 0 && a < p_ && b >= 0 && b < p_ && d_->labels[static_cast<std::size_t>(a) * p_ + b] >= 0;
}

int Task::domain_size() const { return d_->domain; }

std::vector<int> Task::domain_rows() const {
  std::vector<int> rows;
  rows.reserve(static_cast<std::size_t>(domain_size()));
  for (int r = 0; r < p_ * p_; r++)
    if (d_->labels[r] >= 0) rows.push_back(r);
  return rows;
}

int Task::label(int a, int b) const {
  if (!in_domain(a, b))
    throw std::invalid_argument("task " + describe() + ": (" + std::to_string(a) + ", " + std::to_string(b) +
                                ") is not in its domain");
  return d_->labels[static_cast<std::size_t>(a) * p_ + b];
}

bool Task::has_group() const { return d_->group.has_value(); }
const std::string& Task::group_reason() const { return d_->reason; }

const OperationGroup& Task::group() const {
  if (!d_->group) throw std::logic_error("task " + d_->description + ": " + d_->reason);
  return *d_->group;
}

bool Task::uses_p() const { return d_->uses_p; }
std::string Task::describe() const { return d_->description; }
std::string Task::name() const { return d_->name; }

std::string Task::token_label(int t) const {
  if (d_->on) return d_->on->labels.at(static_cast<std::size_t>(t));
  return std::to_string(t);
}

bool Task::operator==(const Task& o) const {
  return d_ == o.d_ || (d_->name == o.d_->name && d_->labels == o.d_->labels);
}

}  // namespace grok
