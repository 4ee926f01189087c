#include "parlab/worker/job_cgroup.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace parlab {
namespace {

constexpr absl::Duration kEmptyWait = absl::Seconds(1);

std::string ReadFile(const std::string& path, bool* ok = nullptr) {
  std::ifstream in(path);
  if (ok != nullptr) *ok = static_cast<bool>(in);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// One write(2) of `text` to a cgroup interface file, as the kernel expects.
absl::Status WriteFile(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return absl::FailedPreconditionError(absl::StrCat(path, ": ", strerror(errno)));
  const ssize_t n = ::write(fd, text.data(), text.size());
  const int error = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    return absl::FailedPreconditionError(
        absl::StrCat("writing \"", text, "\" to ", path, ": ", strerror(n < 0 ? error : EIO)));
  }
  return absl::OkStatus();
}

// Whether `list` names `word`; "+memory" (as written to cgroup.subtree_control) names memory.
bool HasWord(absl::string_view list, absl::string_view word, char separator) {
  for (absl::string_view item : absl::StrSplit(list, separator, absl::SkipEmpty())) {
    item = absl::StripAsciiWhitespace(item);
    absl::ConsumePrefix(&item, "+");
    if (item == word) return true;
  }
  return false;
}

// The value of `key` in a flat keyed file ("max 3\n" in pids.events), or 0.
int64_t KeyedValue(const std::string& text, absl::string_view key) {
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t value = 0;
    if (fields.size() == 2 && fields[0] == key && absl::SimpleAtoi(fields[1], &value)) {
      return value;
    }
  }
  return 0;
}

struct Mounts {
  std::string v2;       // mount point of cgroup2, or ""
  std::string v1_pids;  // mount point of the v1 hierarchy holding pids, or ""
};

Mounts FindMounts(const std::string& mounts_file) {
  Mounts found;
  for (absl::string_view line : absl::StrSplit(ReadFile(mounts_file), '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, ' ');
    if (f.size() < 4) continue;
    if (f[2] == "cgroup2" && found.v2.empty()) found.v2 = std::string(f[1]);
    if (f[2] == "cgroup" && HasWord(f[3], "pids", ',') && found.v1_pids.empty()) {
      found.v1_pids = std::string(f[1]);
    }
  }
  return found;
}

struct OwnCgroups {
  std::string v2;       // "0::PATH" -> PATH, or ""
  std::string v1_pids;  // "N:...pids...:PATH" -> PATH, or ""
};

OwnCgroups FindOwn(const std::string& proc_self_cgroup) {
  OwnCgroups own;
  for (absl::string_view line :
       absl::StrSplit(ReadFile(proc_self_cgroup), '\n', absl::SkipEmpty())) {
    std::vector<absl::string_view> f = absl::StrSplit(line, absl::MaxSplits(':', 2));
    if (f.size() != 3) continue;
    if (f[0] == "0" && f[1].empty()) own.v2 = std::string(f[2]);
    if (HasWord(f[1], "pids", ',')) own.v1_pids = std::string(f[2]);
  }
  return own;
}

std::string Join(const std::string& mount, const std::string& path) {
  return path == "/" ? mount : mount + path;
}

// Prepares cgroup v2 delegation below `own`; returns the parent of job cgroups or why not.
absl::StatusOr<std::string> SetUpV2(const std::string& own, bool is_root, bool memory) {
  const std::string controllers = ReadFile(own + "/cgroup.controllers");
  if (!HasWord(controllers, "pids", ' ')) {
    std::string listed(absl::StripAsciiWhitespace(controllers));
    return absl::FailedPreconditionError(absl::StrCat(
        "cgroup v2 ", own, " has no pids controller (it has: ", listed.empty() ? "none" : listed,
        "; on a hybrid system the controllers are bound to cgroup v1)"));
  }
  if (::access(own.c_str(), W_OK) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cgroup v2 ", own, " is not writable by this process (", strerror(errno),
                     "): not delegated to it (systemd: Delegate=yes in the unit)"));
  }
  if (!is_root) {
    // cgroup v2's rule: a cgroup that hands controllers to children holds no processes. The
    // worker moves into a leaf of its own; a cgroup shared with other processes (a login
    // session's) then still holds them, and enabling the controllers below fails: not ours.
    const std::string leaf = own + "/parlab-worker";
    if (::mkdir(leaf.c_str(), 0755) != 0 && errno != EEXIST) {
      return absl::FailedPreconditionError(absl::StrCat("mkdir ", leaf, ": ", strerror(errno)));
    }
    absl::Status moved = WriteFile(leaf + "/cgroup.procs", absl::StrCat(getpid()));
    if (!moved.ok()) return moved;
  }
  const bool with_memory = memory && HasWord(controllers, "memory", ' ');
  absl::Status enabled =
      WriteFile(own + "/cgroup.subtree_control", with_memory ? "+pids +memory" : "+pids");
  if (!enabled.ok()) {
    if (!is_root) {  // back where it was: nothing changed
      (void)WriteFile(own + "/cgroup.procs", absl::StrCat(getpid()));
      ::rmdir((own + "/parlab-worker").c_str());
    }
    return absl::FailedPreconditionError(
        absl::StrCat(enabled.message(),
                     " (other processes share this cgroup: it is not delegated to the worker; "
                     "systemd: Delegate=yes)"));
  }
  return own;
}

// Removes the empty job cgroups that workers killed with SIGKILL left under `parent`
// (parlab-job-PID-N whose PID is gone); a cgroup that still holds processes stays.
void RemoveStaleJobCgroups(const std::string& parent) {
  DIR* dir = ::opendir(parent.c_str());
  if (dir == nullptr) return;
  while (const dirent* entry = ::readdir(dir)) {
    absl::string_view name = entry->d_name;
    if (!absl::ConsumePrefix(&name, "parlab-job-")) continue;
    int pid = 0;
    if (!absl::SimpleAtoi(name.substr(0, name.find('-')), &pid) || pid <= 0) continue;
    if (::kill(pid, 0) == 0 || errno != ESRCH) continue;  // its worker may still run
    ::rmdir(absl::StrCat(parent, "/", entry->d_name).c_str());
  }
  ::closedir(dir);
}

}  // namespace

std::unique_ptr<JobCgroups> JobCgroups::None(std::string reason) {
  std::unique_ptr<JobCgroups> none(new JobCgroups());
  none->reason_ = std::move(reason);
  return none;
}

std::unique_ptr<JobCgroups> JobCgroups::Setup(const CgroupSetupOptions& options) {
  const Mounts mounts = FindMounts(options.mounts);
  const OwnCgroups own = FindOwn(options.proc_self_cgroup);
  std::vector<std::string> why;
  if (!mounts.v2.empty() && !own.v2.empty()) {
    absl::StatusOr<std::string> parent =
        SetUpV2(Join(mounts.v2, own.v2), own.v2 == "/", options.memory_max_mib > 0);
    if (parent.ok()) {
      std::unique_ptr<JobCgroups> cgroups(new JobCgroups());
      cgroups->mechanism_ = kCgroupV2;
      cgroups->parent_ = *parent;
      RemoveStaleJobCgroups(*parent);
      const std::string controllers = ReadFile(*parent + "/cgroup.subtree_control");
      if (HasWord(controllers, "memory", ' ')) {
        cgroups->memory_max_mib_ = options.memory_max_mib;
      }
      return cgroups;
    }
    why.emplace_back(parent.status().message());
  } else {
    why.push_back("no cgroup v2 hierarchy for this process");
  }
  if (!mounts.v1_pids.empty() && !own.v1_pids.empty()) {
    const std::string parent = Join(mounts.v1_pids, own.v1_pids);
    // A probe: creating and removing a cgroup is exactly what each job needs.
    const std::string probe = absl::StrCat(parent, "/parlab-probe-", getpid());
    if (::mkdir(probe.c_str(), 0755) == 0) {
      ::rmdir(probe.c_str());
      std::unique_ptr<JobCgroups> cgroups(new JobCgroups());
      cgroups->mechanism_ = kCgroupV1Pids;
      cgroups->parent_ = parent;
      RemoveStaleJobCgroups(parent);
      return cgroups;
    }
    why.push_back(absl::StrCat("cgroup v1 pids ", parent, ": mkdir: ", strerror(errno)));
  } else {
    why.push_back("no cgroup v1 pids hierarchy");
  }
  return None(absl::StrJoin(why, "; "));
}

absl::StatusOr<std::unique_ptr<JobCgroup>> JobCgroups::Create(int32_t max_tasks,
                                                              const std::string& limit_words) {
  if (!available()) return absl::FailedPreconditionError(reason_);
  const std::string path = absl::StrCat(parent_, "/parlab-job-", getpid(), "-", next_.fetch_add(1));
  if (::mkdir(path.c_str(), 0755) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create the job's cgroup: mkdir ", path, ": ", strerror(errno)));
  }
  const bool v2 = mechanism_ == kCgroupV2;
  auto cgroup = std::make_unique<JobCgroup>(path, v2, max_tasks, memory_max_mib_, limit_words);
  absl::Status status = WriteFile(path + "/pids.max", absl::StrCat(max_tasks));
  if (status.ok() && v2 && memory_max_mib_ > 0) {
    status = WriteFile(path + "/memory.max", absl::StrCat(memory_max_mib_ << 20));
    // Swap would let a job past memory.max without ever being killed.
    if (status.ok()) (void)WriteFile(path + "/memory.swap.max", "0");
  }
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot set the job's cgroup limits: ", status.message()));
  }
  return cgroup;
}

absl::Status JobCgroup::Add(pid_t pid) {
  absl::Status status = WriteFile(path_ + "/cgroup.procs", absl::StrCat(pid));
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot move the runner into the job's cgroup: ", status.message()));
  }
  return absl::OkStatus();
}

void JobCgroup::KillAll() {
  killed_ = true;
  // cgroup.kill (Linux 5.14) kills every process at once, forks racing it included.
  const bool kill_file = v2_ && ::access((path_ + "/cgroup.kill").c_str(), W_OK) == 0 &&
                         WriteFile(path_ + "/cgroup.kill", "1").ok();
  for (const absl::Time give_up = absl::Now() + kEmptyWait;;) {
    bool ok = false;
    const std::string procs = ReadFile(path_ + "/cgroup.procs", &ok);
    bool any = false;
    for (absl::string_view line : absl::StrSplit(procs, '\n', absl::SkipEmpty())) {
      int pid = 0;
      // Never this process, whatever the file says.
      if (!absl::SimpleAtoi(line, &pid) || pid <= 0 || pid == getpid()) continue;
      any = true;
      if (!kill_file) ::kill(pid, SIGKILL);
    }
    if (!ok || !any || absl::Now() >= give_up) return;
    absl::SleepFor(absl::Milliseconds(5));
  }
}

std::string JobCgroup::LimitsHit() const {
  std::vector<std::string> hits;
  const int64_t refused = KeyedValue(ReadFile(path_ + "/pids.events"), "max");
  if (refused > 0) {
    hits.push_back(absl::StrCat("the job reached its process limit: pids.max ", max_tasks_, " (",
                                limit_words_, "); ", refused, " fork", refused == 1 ? "" : "s",
                                " refused"));
  }
  if (v2_ && memory_max_mib_ > 0) {
    const int64_t oom = KeyedValue(ReadFile(path_ + "/memory.events"), "oom_kill");
    if (oom > 0) {
      hits.push_back(absl::StrCat("the job reached its memory limit: memory.max ", memory_max_mib_,
                                  " MiB (--max-job-memory); ", oom, " OOM kill",
                                  oom == 1 ? "" : "s"));
    }
  }
  return absl::StrJoin(hits, "; ");
}

JobCgroup::~JobCgroup() {
  if (!killed_) KillAll();
  for (const absl::Time give_up = absl::Now() + kEmptyWait;
       ::rmdir(path_.c_str()) != 0 && errno == EBUSY && absl::Now() < give_up;) {
    absl::SleepFor(absl::Milliseconds(5));
  }
}

}  // namespace parlab
