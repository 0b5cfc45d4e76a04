#include "slurm_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QStandardPaths>
#include <QThread>
#include <csignal>
#include <random>
#include <stdexcept>

namespace grok::test {
namespace {

const char* kInstall = "scripts/setup.sh installs Slurm and munge (slurmctld slurmd slurm-client munge)";

// A program on PATH or in the sbin folders (not always on root's PATH in containers).
QString program(const QString& name) {
  QString p = QStandardPaths::findExecutable(name);
  if (p.isEmpty()) p = QStandardPaths::findExecutable(name, {"/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin"});
  if (p.isEmpty()) throw std::runtime_error(name.toStdString() + " not found: " + kInstall);
  return p;
}

// Free TCP ports on 127.0.0.1, held open together so that they differ.
std::vector<int> free_ports(int n) {
  std::vector<int> fds, ports;
  for (int i = 0; i < n; i++) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
      throw std::runtime_error("cannot find a free port on 127.0.0.1");
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  for (int fd : fds) ::close(fd);
  return ports;
}

QString short_hostname() {
  char h[256] = {};
  ::gethostname(h, sizeof h - 1);
  return QString::fromUtf8(h).section('.', 0, 0);
}

void write(const QString& path, const QByteArray& bytes) {
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size())
    throw std::runtime_error("cannot write " + path.toStdString());
}

QString tail(const QString& path, int n) {
  QFile f(path);
  if (!f.open(QIODevice::ReadOnly)) return "(no " + path + ")";
  QStringList l = QString::fromUtf8(f.readAll()).trimmed().split('\n');
  return l.mid(std::max<qsizetype>(0, l.size() - n)).join(" | ");
}

}  // namespace

bool poll_until(const std::function<bool()>& done, int timeout_ms, int interval_ms) {
  QElapsedTimer t;
  t.start();
  while (!done()) {
    if (t.elapsed() > timeout_ms) return false;
    QThread::msleep(interval_ms);
  }
  return true;
}

SlurmCluster::SlurmCluster(const QString& dir) : dir_(dir) {
  const QString munged = program("munged"), slurmctld = program("slurmctld"), slurmd = program("slurmd");
  for (const char* client : {"sbatch", "squeue", "scancel", "scontrol", "sinfo"}) program(client);
  // munged refuses a socket under a folder others cannot search.
  for (QFileInfo up(dir); !up.isRoot(); up = QFileInfo(up.absolutePath()))
    if (up.exists() && !(up.permissions() & QFile::ExeOther))
      throw std::runtime_error(up.absoluteFilePath().toStdString() +
                               ": munged needs every folder above its socket searchable by all (chmod o+x)");
  for (const char* sub : {"munge", "spool", "state", "log"})
    if (!QDir().mkpath(dir + "/" + sub)) throw std::runtime_error("cannot create " + (dir + "/" + sub).toStdString());
  // munged also refuses a key others can read.
  QFile::setPermissions(dir, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup |
                                 QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther);
  QFile::setPermissions(dir + "/munge", QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup |
                                            QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther);
  QByteArray key(1024, '\0');
  std::random_device rd;
  for (char& c : key) c = static_cast<char>(rd());
  write(dir + "/munge/munge.key", key);
  QFile::setPermissions(dir + "/munge/munge.key", QFile::ReadOwner);
  const QString socket = dir + "/munge/munge.socket";

  const std::vector<int> ports = free_ports(2);
  const QString host = short_hostname();
  QStringList conf = {
      "ClusterName=groktest",
      QString("SlurmctldHost=%1(127.0.0.1)").arg(host),
      QString("SlurmctldPort=%1").arg(ports[0]),
      QString("SlurmdPort=%1").arg(ports[1]),
      "CommunicationParameters=NoCtldInAddrAny,NoInAddrAny",
      "AuthType=auth/munge",
      "CredType=cred/munge",
      "AuthInfo=socket=" + socket,
      "SlurmUser=root",
      "SlurmdUser=root",
      "StateSaveLocation=" + dir + "/state",
      "SlurmdSpoolDir=" + dir + "/spool",
      "SlurmctldPidFile=" + dir + "/slurmctld.pid",
      "SlurmdPidFile=" + dir + "/slurmd.pid",
      "SlurmctldLogFile=" + dir + "/log/slurmctld.log",
      "SlurmdLogFile=" + dir + "/log/slurmd.log",
      "ProctrackType=proctrack/linuxproc",  // no cgroups in containers
      "TaskPlugin=task/none",
      "SelectType=select/cons_tres",
      "SelectTypeParameters=CR_CPU",
      "SlurmdParameters=config_overrides",  // CPUs=8 below on any machine
      "DependencyParameters=kill_invalid_depend",
      "AccountingStorageType=accounting_storage/none",
      "JobAcctGatherType=jobacct_gather/none",
      "JobCompType=jobcomp/none",
      "MpiDefault=none",
      "ReturnToService=2",
      "MinJobAge=900",   // ended jobs stay in squeue -t all for the test's checks
      "MaxArraySize=3",  // array indices 0-2: a sweep's run 3 and up must be mapped to them
      QString("NodeName=%1 NodeAddr=127.0.0.1 CPUs=8 State=UNKNOWN").arg(host),
      QString("PartitionName=test Nodes=%1 Default=YES MaxTime=INFINITE State=UP").arg(host),
  };
  const QString conf_path = dir + "/slurm.conf";
  write(conf_path, (conf.join('\n') + '\n').toUtf8());
  env_ = QProcessEnvironment::systemEnvironment();
  env_.insert("SLURM_CONF", conf_path);

  try {
    start(munged,
          {"--foreground", "--socket=" + socket, "--key-file=" + dir + "/munge/munge.key",
           "--pid-file=" + dir + "/munge/munged.pid", "--log-file=" + dir + "/log/munged.log",
           "--seed-file=" + dir + "/munge/munged.seed"},
          dir + "/log/munged.stderr");  // in the foreground it logs there
    if (!poll_until(
            [&] {
              check_alive();
              return QFileInfo::exists(socket);
            },
            15000))
      throw std::runtime_error("munged did not create its socket in 15 s: " +
                               tail(dir + "/log/munged.log", 5).toStdString());
    start(slurmctld, {"-D", "-f", conf_path}, dir + "/log/slurmctld.log");
    start(slurmd, {"-D", "-f", conf_path}, dir + "/log/slurmd.log");
    // Up when the node has registered: sinfo reports it idle.
    if (!poll_until(
            [&] {
              check_alive();
              QProcess p;
              p.setProcessEnvironment(env_);
              p.start(program("sinfo"), {"-h", "-N", "-o", "%T"});
              p.waitForFinished(10000);
              return QString::fromUtf8(p.readAllStandardOutput()).trimmed() == "idle";
            },
            30000, 200))
      throw std::runtime_error(
          "the node did not come up in 30 s: slurmctld: " + tail(dir + "/log/slurmctld.log", 4).toStdString() +
          " || slurmd: " + tail(dir + "/log/slurmd.log", 4).toStdString());
  } catch (...) {
    stop();
    throw;
  }
}

SlurmCluster::~SlurmCluster() { stop(); }

void SlurmCluster::start(const QString& path, const QStringList& args, const QString& log) {
  Daemon d{QFileInfo(path).fileName(), log, std::make_unique<QProcess>()};
  d.process->setProcessEnvironment(env_);
  d.process->setStandardOutputFile(dir_ + "/log/" + d.name + ".stdout");
  d.process->setStandardErrorFile(dir_ + "/log/" + d.name + ".stderr");
  // A crashed test must not leave daemons behind.
  d.process->setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGTERM); });
  d.process->start(path, args);
  if (!d.process->waitForStarted(10000))
    throw std::runtime_error(d.name.toStdString() + " did not start: " + d.process->errorString().toStdString());
  daemons_.push_back(std::move(d));
}

void SlurmCluster::check_alive() const {
  for (const Daemon& d : daemons_)
    if (d.process->state() == QProcess::NotRunning || d.process->waitForFinished(0))
      throw std::runtime_error(d.name.toStdString() + " exited (code " + std::to_string(d.process->exitCode()) +
                               "): " + tail(d.log, 5).toStdString() +
                               " | stderr: " + tail(dir_ + "/log/" + d.name + ".stderr", 3).toStdString());
}

void SlurmCluster::stop() {
  if (daemons_.size() == 3) {
    // Jobs first: slurmd's slurmstepd children outlive it otherwise.
    try {
      const passwd* pw = ::getpwuid(::getuid());
      client("scancel", {"--user", pw ? pw->pw_name : "root"});
      poll_until([&] { return client("squeue", {"-h"}).trimmed().isEmpty(); }, 60000, 200);
    } catch (const std::exception& e) {
      qWarning("stopping the test cluster: %s", e.what());
    }
  }
  for (auto d = daemons_.rbegin(); d != daemons_.rend(); ++d) {
    if (d->process->state() == QProcess::NotRunning) continue;
    ::kill(static_cast<pid_t>(d->process->processId()), SIGTERM);
    if (!d->process->waitForFinished(15000)) {
      ::kill(static_cast<pid_t>(d->process->processId()), SIGKILL);
      d->process->waitForFinished(5000);
    }
  }
  daemons_.clear();
}

QString SlurmCluster::client(const QString& name, const QStringList& args) const {
  QProcess p;
  p.setProcessEnvironment(env_);
  p.start(program(name), args);
  if (!p.waitForFinished(60000) || p.exitStatus() != QProcess::NormalExit || p.exitCode() != 0)
    throw std::runtime_error((name + " " + args.join(' ') + " failed: ").toStdString() +
                             QString::fromUtf8(p.readAllStandardError()).trimmed().toStdString());
  return QString::fromUtf8(p.readAllStandardOutput());
}

std::map<QString, QString> SlurmCluster::task_states(const QString& job) const {
  std::map<QString, QString> states;
  for (const QString& line : client("squeue", {"-h", "-t", "all", "-r", "-j", job, "-o", "%i %T"}).split('\n')) {
    const QStringList w = line.simplified().split(' ');
    if (w.size() == 2) states[w[0]] = w[1];
  }
  return states;
}

bool SlurmCluster::ended(const QString& state) {
  static const QStringList active = {"PENDING",   "RUNNING",     "SUSPENDED",    "COMPLETING", "CONFIGURING",
                                     "REQUEUED",  "REQUEUE_FED", "REQUEUE_HOLD", "RESIZING",   "SIGNALING",
                                     "STAGE_OUT", "STOPPED",     "RESV_DEL_HOLD"};
  return !active.contains(state);
}

bool SlurmCluster::wait_until_ended(const QString& job, int timeout_ms) const {
  return poll_until(
      [&] {
        const auto s = task_states(job);
        if (s.empty()) return false;
        for (const auto& [task, state] : s)
          if (!ended(state)) return false;
        return true;
      },
      timeout_ms, 250);
}

bool SlurmCluster::wait_for_state(const QString& job_index, const QString& state, int timeout_ms) const {
  return poll_until(
      [&] {
        const auto s = task_states(job_index);
        const auto it = s.find(job_index);
        return it != s.end() && it->second == state;
      },
      timeout_ms, 100);
}

}  // namespace grok::test
