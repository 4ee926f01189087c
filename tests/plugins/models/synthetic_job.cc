#include "synthetic_job.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <thread>

namespace parlab::testing {
namespace {

using Clock = std::chrono::steady_clock;

// Per-task state of the stepping form, between its first and its second step.
struct StepState {
  Clock::time_point begun;
  int fd = -1;  // a dup() per task: epoll refuses the same fd registered twice
};

void SetMessage(parlab_error_t* error, const char* text) {
  std::snprintf(error->message, sizeof(error->message), "%s", text);
}

void RaisePeak(std::atomic<int32_t>& peak, int32_t value) {
  int32_t seen = peak.load();
  while (value > seen && !peak.compare_exchange_weak(seen, value)) {
  }
}

SyntheticJob* Self(const parlab_job_t* job) { return static_cast<SyntheticJob*>(job->host); }

}  // namespace

int CountThreads() {
  // ThreadSanitizer's runtime starts a helper thread of its own at the process's first
  // pthread_create() and keeps it: without this, a baseline counted before the first model
  // ran would be one short of every later count ("threads left behind"). Starting and joining
  // one thread first puts such a thread in every count, so the checks stay exact.
  static const bool runtime_threads_started = [] {
    std::thread([] {}).join();
    return true;
  }();
  (void)runtime_threads_started;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

int64_t VmSizeKb() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return -1;
  char line[256];
  long long kb = -1;
  while (std::fgets(line, sizeof(line), f) != nullptr) {
    if (std::sscanf(line, "VmSize: %lld kB", &kb) == 1) break;
  }
  std::fclose(f);
  return kb;
}

SyntheticJob::SyntheticJob(const JobSpec& spec) : spec_(spec) {
  if (spec.tasks > kMaxTasks) throw std::invalid_argument("JobSpec.tasks > kMaxTasks");
  void* p = mmap(nullptr, sizeof(SharedRecord), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  shared_ = new (p) SharedRecord{};
  if (pipe(pipe_) != 0 || pipe(ready_pipe_) != 0 || write(ready_pipe_[1], "x", 1) != 1) {
    throw std::runtime_error("pipe");
  }
  job_.task_count = spec.tasks;
  job_.concurrency = spec.concurrency;
  job_.host = this;
  job_.run_task = &RunTask;
  job_.step_task = &StepTask;
  job_.is_cancelled = &IsCancelled;
  job_.log = &Log;
}

SyntheticJob::~SyntheticJob() {
  for (int fd : {pipe_[0], pipe_[1], ready_pipe_[0], ready_pipe_[1]}) close(fd);
  munmap(shared_, sizeof(SharedRecord));
}

uint64_t SyntheticJob::TotalRuns() const {
  uint64_t total = 0;
  for (uint64_t i = 0; i < spec_.tasks; ++i) total += shared_->runs[i].load();
  return total;
}

uint32_t SyntheticJob::MaxRunsPerTask() const {
  uint32_t most = 0;
  for (uint64_t i = 0; i < spec_.tasks; ++i) most = std::max(most, shared_->runs[i].load());
  return most;
}

void SyntheticJob::Begin() {
  if (shared_->started.fetch_add(1) + 1 >= spec_.cancel_after) shared_->cancelled.store(1);
  RaisePeak(shared_->peak_in_flight, shared_->in_flight.fetch_add(1) + 1);
  RaisePeak(shared_->peak_threads, CountThreads());
  if (spec_.sample_vm) {
    const int64_t kb = VmSizeKb();
    int64_t seen = shared_->peak_vm_kb.load();
    while (kb > seen && !shared_->peak_vm_kb.compare_exchange_weak(seen, kb)) {
    }
  }
}

int32_t SyntheticJob::Complete(uint64_t index, parlab_error_t* error) {
  shared_->runs[index].fetch_add(1);
  shared_->in_flight.fetch_sub(1);
  if (static_cast<int64_t>(index) == spec_.crash_index) raise(SIGUSR1);
  if (static_cast<int64_t>(index) == spec_.fail_index) {
    SetMessage(error, "boom");
    return PARLAB_ERROR;
  }
  return PARLAB_OK;
}

int32_t SyntheticJob::RunTask(const parlab_job_t* job, uint64_t index, parlab_error_t* error) {
  SyntheticJob* self = Self(job);
  self->Begin();
  // The failing task fails at once, so "no task starts after a failure" is not a race.
  if (self->spec_.task_us > 0 && static_cast<int64_t>(index) != self->spec_.fail_index) {
    usleep(self->spec_.task_us);
  }
  return self->Complete(index, error);
}

int32_t SyntheticJob::StepTask(const parlab_job_t* job, uint64_t index, void** state,
                               parlab_wait_t* wait, parlab_error_t* error) {
  SyntheticJob* self = Self(job);
  const JobSpec& spec = self->spec_;
  if (*state == nullptr) {  // first step: begin, then wait once
    self->Begin();
    auto* s = new StepState{Clock::now()};
    *state = s;
    wait->timeout_ns = spec.wait_ns;
    switch (spec.step_wait) {
      case StepWait::kTimer:
        wait->kind = PARLAB_WAIT_TIMER;
        return PARLAB_STEP_WAIT;
      case StepWait::kReadableReady:
        s->fd = dup(self->ready_pipe_[0]);
        wait->kind = PARLAB_WAIT_READABLE;
        wait->timeout_ns = 0;
        break;
      case StepWait::kReadableTimeout:
        s->fd = dup(self->pipe_[0]);
        wait->kind = PARLAB_WAIT_READABLE;
        break;
      case StepWait::kWritable:
        s->fd = dup(self->pipe_[1]);
        wait->kind = PARLAB_WAIT_WRITABLE;
        wait->timeout_ns = 0;
        break;
    }
    wait->fd = s->fd;
    return PARLAB_STEP_WAIT;
  }
  // Second step: check that the model waited as asked, then complete (and free the state,
  // as the runner would).
  auto* s = static_cast<StepState*>(*state);
  *state = nullptr;
  const auto waited = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - s->begun);
  const bool fd_open = s->fd < 0 || fcntl(s->fd, F_GETFD) != -1;
  if (s->fd >= 0) close(s->fd);
  const bool needs_full_wait =
      spec.step_wait == StepWait::kTimer || spec.step_wait == StepWait::kReadableTimeout;
  delete s;
  if (!fd_open) {
    SetMessage(error, "the model closed the task's fd");
    return PARLAB_STEP_ERROR;
  }
  if (needs_full_wait && static_cast<uint64_t>(waited.count()) < spec.wait_ns) {
    SetMessage(error, "stepped again before the wait was over");
    return PARLAB_STEP_ERROR;
  }
  if (spec.step_wait == StepWait::kReadableTimeout) self->shared_->fd_steps_after_timeout++;
  return self->Complete(index, error) == PARLAB_OK ? PARLAB_STEP_DONE : PARLAB_STEP_ERROR;
}

int32_t SyntheticJob::IsCancelled(const parlab_job_t* job) {
  return Self(job)->shared_->cancelled.load() != 0 ? 1 : 0;
}

void SyntheticJob::Log(const parlab_job_t*, const char* message) {
  std::fprintf(stderr, "[job] %s\n", message);
}

}  // namespace parlab::testing
