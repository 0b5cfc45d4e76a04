#include "core/experiments/slurm.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/base/config.h"

extern char** environ;

namespace grok {
namespace {

namespace fs = std::filesystem;

// A word the shell takes literally: '...' with every ' written as '\''.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// The --output value for task files in `dir`, always in "...": Slurm reads a quoted #SBATCH value as
// one word, where unquoted a ' starts a quote and a # a comment (a folder "it's" failed sbatch, one
// with # sent every task's log elsewhere). It knows no escapes, a backslash would turn off the
// %A/%a patterns, and a % of the path is written %%.
std::string sbatch_output(const std::string& dir) {
  std::string v;
  for (char c : dir) {
    if (c == '"' || c == '\\' || c == '\n' || c == '\r')
      throw ConfigError(dir +
                        ": Slurm's #SBATCH lines cannot hold a path with a double quote, backslash or "
                        "newline; move the sweep folder or link it from a plain path");
    v += c == '%' ? std::string("%%") : std::string(1, c);
  }
  v += "/%A_%a.out";
  return "\"" + v + "\"";
}

// A job name Slurm shows in squeue: the folder's name, letters, digits and ._- only.
std::string job_name(const std::string& dir) {
  std::string base = fs::path(dir).filename().string(), name = "grok-";
  for (char c : base) name += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') ? c : '_';
  return name;
}

std::string last_line(const std::string& text) {
  std::istringstream in(text);
  std::string line, last;
  while (std::getline(in, line))
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  return last;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) b++;
  return s.substr(b);
}

}  // namespace

std::string slurm_array_spec(const std::vector<int>& indices, int max_parallel) {
  std::string spec;
  for (std::size_t i = 0; i < indices.size();) {
    std::size_t j = i;
    while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1) j++;
    spec += (spec.empty() ? "" : ",") + std::to_string(indices[i]);
    if (j > i) spec += "-" + std::to_string(indices[j]);
    i = j + 1;
  }
  if (max_parallel > 0) spec += "%" + std::to_string(max_parallel);
  return spec;
}

int slurm_max_array_size() {
  constexpr int kSlurmDefault = 1001;
  if (find_on_path("scontrol").empty()) return kSlurmDefault;
  ProcessOutput r;
  try {
    r = run_process({"scontrol", "show", "config"});
  } catch (const std::exception&) {
    return kSlurmDefault;
  }
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("MaxArraySize", 0) != 0) continue;
    const std::size_t eq = line.find('=');
    const int n = eq == std::string::npos ? 0 : std::atoi(line.c_str() + eq + 1);
    return n > 0 ? n : kSlurmDefault;
  }
  return kSlurmDefault;
}

SlurmPlan plan_slurm_submission(const Sweep& sweep, const SlurmOptions& opt) {
  SlurmPlan plan;
  std::vector<int> todo;
  for (const SweepRun& r : sweep.runs()) {
    if (sweep.complete(r.index)) continue;
    (RunLock::is_held(sweep.lock_path(r.index)) ? plan.training : todo).push_back(r.index);
  }
  plan.max_array_size = opt.max_array_size > 0 ? opt.max_array_size : slurm_max_array_size();
  const fs::path dir = fs::absolute(sweep.dir()).lexically_normal();
  std::string d = dir.string();
  while (d.size() > 1 && d.back() == '/') d.pop_back();
  const fs::path slurm_dir = fs::path(d) / "slurm";
  const std::string output = sbatch_output(slurm_dir.string());
  int n = 1;
  std::error_code ec;
  while (fs::exists(slurm_dir / ("submit-" + std::to_string(n) + ".sbatch"), ec)) n++;
  for (std::size_t from = 0; from < todo.size(); from += plan.max_array_size, n++) {
    SlurmSubmission s;
    s.indices.assign(todo.begin() + from, todo.begin() + std::min(todo.size(), from + plan.max_array_size));
    s.script_path = (slurm_dir / ("submit-" + std::to_string(n) + ".sbatch")).string();
    std::vector<int> tasks(s.indices.size());
    for (std::size_t i = 0; i < tasks.size(); ++i) tasks[i] = static_cast<int>(i);
    s.array = slurm_array_spec(tasks, opt.max_parallel);
    std::string runs;
    for (int i : s.indices) runs += " " + std::to_string(i);
    std::ostringstream t;
    t << "#!/bin/sh\n"
      << "# Grokking Lab sweep " << d << ": " << s.indices.size() << " of " << sweep.runs().size() << " runs"
      << (s.indices.size() < sweep.runs().size() ? " (the others are complete, training or in another array)" : "")
      << ", written by 'grokking-cli sweep submit'.\n"
      << "# Array task i trains or resumes the i-th run listed below (array indices stop below the cluster's\n"
      << "# MaxArraySize; run numbers need not). SIGTERM (scancel, preemption, the time limit) makes it commit\n"
      << "# a checkpoint and exit 130; a requeued or resubmitted task goes on from there.\n"
      << "#SBATCH --job-name=" << job_name(d) << "\n"
      << "#SBATCH --array=" << s.array << "\n"
      << "#SBATCH --ntasks=1\n"
      << "#SBATCH --cpus-per-task=" << opt.cpus_per_task << "\n"
      << "#SBATCH --output=" << output << "\n"
      << "#SBATCH --open-mode=append\n"
      << "#SBATCH --requeue\n"
      << "set --" << runs << "\n"
      << "shift \"$SLURM_ARRAY_TASK_ID\"\n"
      << "exec " << shell_quote(opt.binary) << " sweep task " << shell_quote(d) << " --index \"$1\"\n";
    s.script = t.str();
    s.command = {"sbatch", "--parsable"};
    s.command.insert(s.command.end(), opt.sbatch_args.begin(), opt.sbatch_args.end());
    s.command.push_back(s.script_path);
    plan.arrays.push_back(std::move(s));
  }
  return plan;
}

std::string find_on_path(const std::string& program) {
  if (program.find('/') != std::string::npos) return ::access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string p = (dir.empty() ? std::string(".") : dir) + "/" + program;
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

ProcessOutput run_process(const std::vector<std::string>& argv) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(out[1]), ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]), ::close(err[0]);
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
  // Both pipes at once: a child that fills one while we block on the other would never end.
  ProcessOutput r;
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* text[2] = {&r.out, &r.err};
  int open_fds = 2;
  while (open_fds > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int k = 0; k < 2; k++) {
      if (fds[k].fd < 0 || !(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      const ssize_t got = ::read(fds[k].fd, buf, sizeof buf);
      if (got > 0) {
        text[k]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[k].fd), fds[k].fd = -1, open_fds--;
      }
    }
  }
  for (auto& f : fds)
    if (f.fd >= 0) ::close(f.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void submit_to_slurm(SlurmSubmission& s) {
  if (find_on_path("sbatch").empty())
    throw SlurmError(SlurmError::Kind::NotInstalled,
                     "sbatch not found on PATH: Slurm's client commands are not installed here (Debian: "
                     "apt-get install slurm-client) or not on PATH; 'sweep run' trains on this machine instead");
  const fs::path script(s.script_path);
  std::error_code ec;
  const bool made_dir = fs::create_directories(script.parent_path(), ec);
  if (ec) throw ConfigError(script.parent_path().string() + ": cannot create (" + ec.message() + ")");
  auto undo = [&] {
    fs::remove(script, ec);
    if (made_dir) fs::remove(script.parent_path(), ec);
  };
  {
    std::ofstream f(script, std::ios::binary | std::ios::trunc);
    f << s.script;
    f.close();
    if (!f) {
      undo();
      throw ConfigError(s.script_path + ": cannot write the batch script");
    }
  }
  fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec, fs::perm_options::add,
                  ec);
  ProcessOutput r;
  try {
    r = run_process(s.command);
  } catch (const std::exception& e) {
    undo();
    throw SlurmError(SlurmError::Kind::NotInstalled, e.what());
  }
  const std::string id = trim(r.out.substr(0, r.out.find(';')));  // --parsable: "ID" or "ID;CLUSTER"
  if (r.exit_code != 0) {
    undo();
    std::string why = last_line(r.err);
    if (why.empty()) why = last_line(r.out);
    throw SlurmError(SlurmError::Kind::Refused, "sbatch refused the job array (exit " + std::to_string(r.exit_code) +
                                                    "): " + (why.empty() ? "no message" : why));
  }
  s.job_id = id.empty() ? "(sbatch printed no job id)" : id;
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", std::localtime(&now));
  std::ofstream(script.parent_path() / "submissions.log", std::ios::app)
      << when << " job " << id << " array " << s.array << " script " << script.filename().string() << "\n";
}

}  // namespace grok
