// End-to-end tests of the parlab-worker binary with the real runner and the real plugins.
#include <gmock/gmock.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "parlab/common/sanitizers.h"
#include "parlab/v1/parlab.grpc.pb.h"
#include "support/proc.h"
#include "worker_harness.h"

namespace parlab::testing {
namespace {

using ::testing::AllOf;
using ::testing::AnyOf;
using ::testing::HasSubstr;

v1::Job SieveJob(const std::string& model, int concurrency) {
  v1::Job job;
  job.set_job_id("sieve-" + model);
  job.set_plan_name("worker-test");
  job.mutable_workload()->set_kind("primes.sieve");
  (*job.mutable_workload()->mutable_params())["from"] = "1000";
  (*job.mutable_workload()->mutable_params())["to"] = "1200";
  job.set_model(model);
  job.set_concurrency(concurrency);
  job.set_warmup(1);
  job.set_repetitions(3);
  return job;
}

v1::Job SleepJob(const std::string& model, int concurrency, int tasks, int ms) {
  v1::Job job;
  job.set_job_id("sleep-" + model);
  job.mutable_workload()->set_kind("sleep");
  (*job.mutable_workload()->mutable_params())["tasks"] = std::to_string(tasks);
  (*job.mutable_workload()->mutable_params())["ms"] = std::to_string(ms);
  job.set_model(model);
  job.set_concurrency(concurrency);
  job.set_warmup(0);
  job.set_repetitions(1);
  return job;
}

struct JobOutcome {
  grpc::Status status;
  std::vector<v1::JobEvent> events;  // the streamed events, the result last if there was one
  v1::JobResult result;
  bool has_result = false;
};

JobOutcome RunJob(v1::WorkerService::Stub& stub, const v1::Job& job) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::RunJobRequest request;
  *request.mutable_job() = job;
  auto reader = stub.RunJob(&context, request);
  JobOutcome outcome;
  v1::JobEvent event;
  while (reader->Read(&event)) {
    outcome.events.push_back(event);
    if (event.has_result()) {
      outcome.result = event.result();
      outcome.has_result = true;
    }
  }
  outcome.status = reader->Finish();
  return outcome;
}

// Live (not zombie) processes of process group `pgid`: a killed worker's runner is re-parented
// to init, which may leave it a zombie for a while, and a zombie runs nothing.
std::vector<test_support::ProcInfo> LiveGroupMembers(pid_t pgid) {
  std::vector<test_support::ProcInfo> live;
  for (const test_support::ProcInfo& info : test_support::AllProcesses()) {
    if (info.state != 'Z' && getpgid(info.pid) == pgid) live.push_back(info);
  }
  return live;
}

bool WaitForNoLiveGroupMembers(pid_t pgid, absl::Duration timeout) {
  for (const absl::Time deadline = absl::Now() + timeout; absl::Now() < deadline;
       absl::SleepFor(absl::Milliseconds(20))) {
    if (LiveGroupMembers(pgid).empty()) return true;
  }
  return LiveGroupMembers(pgid).empty();
}

// A folder of its own under the system's temp folder, removed at the end.
class TempDir {
 public:
  TempDir()
      : path_(std::filesystem::temp_directory_path() /
              ("parlab-worker-test-" + std::to_string(getpid()) + "-" +
               std::to_string(absl::ToUnixNanos(absl::Now())))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::vector<std::string> Entries() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path_)) {
      names.push_back(entry.path().string());
    }
    return names;
  }

 private:
  std::filesystem::path path_;
};

class WorkerDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = WorkerDaemon::Start({"--plugins", PluginDirs()});
    ASSERT_TRUE(started.ok()) << started.status();
    worker_ = *std::move(started);
  }

  v1::WorkerDescription Describe() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::WorkerDescription description;
    grpc::Status status = worker_->stub().Describe(&context, {}, &description);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return description;
  }

  void ExpectSieveJobSucceeds() {
    JobOutcome outcome = RunJob(worker_->stub(), SieveJob("thread_pool", 2));
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
    ASSERT_TRUE(outcome.has_result);
    EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_OK) << outcome.result.error();
  }

  // Starts a long sleep job, waits for its first event and returns the runner's pid.
  pid_t StartLongJob(grpc::ClientContext& context, const std::string& model, int concurrency,
                     std::unique_ptr<grpc::ClientReader<v1::JobEvent>>& reader) {
    v1::RunJobRequest request;
    *request.mutable_job() = SleepJob(model, concurrency, 1000, 100);
    reader = worker_->stub().RunJob(&context, request);
    v1::JobEvent first;
    EXPECT_TRUE(reader->Read(&first));
    EXPECT_FALSE(first.has_result()) << first.result().error();
    std::vector<pid_t> children = ChildrenOf(worker_->pid());
    EXPECT_EQ(children.size(), 1u);
    if (children.size() != 1) return -1;
    // The runner leads its own process group, so cancel reaches what it forked.
    EXPECT_EQ(getpgid(children[0]), children[0]);
    return children[0];
  }

  std::unique_ptr<WorkerDaemon> worker_;
};

TEST_F(WorkerDaemonTest, HealthServiceReportsServing) {
  grpc::GenericStub generic(worker_->channel());
  for (const std::string& service : {std::string(), std::string("parlab.v1.WorkerService")}) {
    // HealthCheckRequest{service = 1}, encoded by hand: the health proto is not installed.
    std::string body;
    if (!service.empty())
      body = std::string("\x0a", 1) + static_cast<char>(service.size()) + service;
    grpc::Slice slice(body);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ByteBuffer response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    std::promise<grpc::Status> done;
    generic.UnaryCall(&context, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) { done.set_value(s); });
    grpc::Status status = done.get_future().get();
    ASSERT_TRUE(status.ok()) << service << ": " << status.error_message();
    std::vector<grpc::Slice> slices;
    ASSERT_TRUE(response.Dump(&slices).ok());
    std::string bytes;
    for (const auto& s : slices)
      bytes += std::string(reinterpret_cast<const char*>(s.begin()), s.size());
    EXPECT_EQ(bytes, std::string("\x08\x01", 2)) << "HealthCheckResponse{status: SERVING}";
  }
}

TEST_F(WorkerDaemonTest, DescribeListsModelsWorkloadsAndRefusedPlugins) {
  v1::WorkerDescription d = Describe();
  std::vector<std::string> models;
  for (const auto& m : d.models()) {
    models.push_back(m.name());
    EXPECT_FALSE(m.version().empty()) << m.name();
    EXPECT_FALSE(m.path().empty()) << m.name();
  }
  for (const char* name :
       {"sequential", "threads", "thread_pool", "processes", "process_pool", "coroutines"}) {
    EXPECT_NE(std::find(models.begin(), models.end(), name), models.end())
        << name << " missing from " << absl::StrJoin(models, ", ");
  }
  std::vector<std::string> workloads;
  for (const auto& w : d.workloads()) workloads.push_back(w.kind());
  EXPECT_NE(std::find(workloads.begin(), workloads.end(), "primes.sieve"), workloads.end());
  EXPECT_NE(std::find(workloads.begin(), workloads.end(), "sleep"), workloads.end());

  bool wrong_abi_refused = false;
  for (const auto& r : d.refused()) {
    if (r.path().find("wrong_abi") != std::string::npos) {
      wrong_abi_refused = true;
      EXPECT_THAT(r.reason(), HasSubstr("ABI version 999"));
    }
  }
  EXPECT_TRUE(wrong_abi_refused) << d.DebugString();
  EXPECT_EQ(d.address(), worker_->address());
  EXPECT_FALSE(d.machine().hostname().empty());
  EXPECT_GT(d.machine().logical_cores(), 0);
}

TEST_F(WorkerDaemonTest, SieveJobStreamsProgressAndSamples) {
  JobOutcome outcome = RunJob(worker_->stub(), SieveJob("thread_pool", 2));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  ASSERT_TRUE(outcome.has_result);
  ASSERT_TRUE(outcome.events.back().has_result()) << "the result must be the last event";
  const v1::JobResult& r = outcome.result;
  EXPECT_EQ(r.status(), v1::JOB_STATUS_OK) << r.error();
  EXPECT_EQ(r.model(), "thread_pool");
  EXPECT_EQ(r.concurrency(), 2);
  EXPECT_EQ(r.job_id(), "sieve-thread_pool");
  EXPECT_EQ(r.worker_address(), worker_->address());
  EXPECT_FALSE(r.machine().empty());
  ASSERT_EQ(r.samples_size(), 4);
  int warmups = 0;
  for (const auto& s : r.samples()) {
    warmups += s.warmup();
    EXPECT_GT(s.wall_ns(), 0);
    EXPECT_GT(s.tasks(), 0u);
  }
  EXPECT_EQ(warmups, 1);
  int progress = 0, samples = 0;
  for (const auto& e : outcome.events) {
    progress += e.has_progress();
    samples += e.has_sample();
  }
  EXPECT_EQ(progress, 4);
  EXPECT_EQ(samples, 4);
}

TEST_F(WorkerDaemonTest, CrashingPluginsFailTheJobAndTheWorkerKeepsServing) {
  struct Crash {
    const char* model;
    const char* signal_number;
    const char* abbrev;
    const char* description;
  };
  for (const Crash& crash : {Crash{"crash_segv", "signal 11", "SIGSEGV", "Segmentation fault"},
                             Crash{"crash_abort", "signal 6", "SIGABRT", "Aborted"}}) {
    SCOPED_TRACE(crash.model);
    v1::Job job = SieveJob(crash.model, 1);
    JobOutcome outcome = RunJob(worker_->stub(), job);
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
    ASSERT_TRUE(outcome.has_result);
    EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_FAILED);
    EXPECT_THAT(outcome.result.error(),
                AllOf(HasSubstr(crash.model), HasSubstr(crash.signal_number),
                      AnyOf(HasSubstr(crash.abbrev), HasSubstr(crash.description))));
    EXPECT_TRUE(ChildrenOf(worker_->pid()).empty());
    EXPECT_GE(Describe().models_size(), 6);
    ExpectSieveJobSucceeds();
  }
}

TEST_F(WorkerDaemonTest, UnknownModelIsRejectedByName) {
  JobOutcome outcome = RunJob(worker_->stub(), SieveJob("no_such_model", 1));
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(outcome.status.error_message(),
              AllOf(HasSubstr("\"no_such_model\""), HasSubstr("thread_pool")));
  EXPECT_FALSE(outcome.has_result);
}

TEST_F(WorkerDaemonTest, InvalidJobFieldsAreRejectedByName) {
  v1::Job job = SieveJob("thread_pool", 0);
  JobOutcome outcome = RunJob(worker_->stub(), job);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(outcome.status.error_message(), HasSubstr("job.concurrency"));

  job = SieveJob("sequential", 4);  // sequential runs only at concurrency 1
  outcome = RunJob(worker_->stub(), job);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(outcome.status.error_message(), HasSubstr("sequential"));
}

TEST_F(WorkerDaemonTest, BadWorkloadParamsFailTheJobWithTheRunnersMessage) {
  v1::Job job = SieveJob("thread_pool", 1);
  (*job.mutable_workload()->mutable_params())["to"] = "not-a-number";
  JobOutcome outcome = RunJob(worker_->stub(), job);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  ASSERT_TRUE(outcome.has_result);
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_FAILED);
  EXPECT_THAT(outcome.result.error(), HasSubstr("to"));
}

class CancelTest : public WorkerDaemonTest,
                   public ::testing::WithParamInterface<std::pair<const char*, int>> {};

TEST_P(CancelTest, CancellingAJobStopsItsRunnerAndEverythingItForked) {
  auto [model, concurrency] = GetParam();
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader;
  pid_t runner = StartLongJob(context, model, concurrency, reader);
  ASSERT_GT(runner, 0);

  const absl::Time cancelled_at = absl::Now();
  context.TryCancel();
  v1::JobEvent event;
  while (reader->Read(&event)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // 1000 sleeps of 100 ms would take 100 s (50 s at concurrency 2); a cancelled job stops now.
  EXPECT_TRUE(WaitForGroupGone(runner, absl::Seconds(5))) << "runner group " << runner;
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(8));
  EXPECT_TRUE(ChildrenOf(worker_->pid()).empty());
  ExpectSieveJobSucceeds();
}

INSTANTIATE_TEST_SUITE_P(Models, CancelTest,
                         ::testing::Values(std::make_pair("sequential", 1),
                                           std::make_pair("processes", 2)),
                         [](const auto& info) { return std::string(info.param.first); });

TEST_F(WorkerDaemonTest, JobsRunOneAtATime) {
  // Two jobs sent at once: the second starts only after the first has ended.
  std::vector<absl::Time> first_event(2), result_at(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      v1::RunJobRequest request;
      *request.mutable_job() = SleepJob("sequential", 1, 4, 100);
      auto reader = worker_->stub().RunJob(&context, request);
      v1::JobEvent event;
      bool first = true;
      while (reader->Read(&event)) {
        if (first) first_event[i] = absl::Now();
        first = false;
        if (event.has_result()) result_at[i] = absl::Now();
      }
      EXPECT_TRUE(reader->Finish().ok());
    });
  }
  for (auto& t : threads) t.join();
  const int earlier = first_event[0] < first_event[1] ? 0 : 1;
  EXPECT_GE(first_event[1 - earlier], result_at[earlier]) << "the two jobs overlapped";
}

TEST_F(WorkerDaemonTest, SigtermStopsARunningJobAndExitsCleanly) {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<v1::JobEvent>> reader;
  pid_t runner = StartLongJob(context, "sequential", 1, reader);
  ASSERT_GT(runner, 0);
  // The client keeps reading, as the coordinator does: it sees the job end as cancelled.
  std::thread client([&] {
    v1::JobEvent event;
    v1::JobStatus last = v1::JOB_STATUS_UNSPECIFIED;
    while (reader->Read(&event)) {
      if (event.has_result()) last = event.result().status();
    }
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(!status.ok() || last == v1::JOB_STATUS_CANCELLED) << status.error_message();
  });
  absl::StatusOr<int> status = worker_->StopWith(SIGTERM, absl::Seconds(10));
  client.join();
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "wait status " << *status;
  EXPECT_TRUE(WaitForGroupGone(runner, absl::Seconds(5)));
}

TEST_F(WorkerDaemonTest, AStoppedRunnerFailsItsJobAtTheTimeoutAndTheWorkerKeepsServing) {
  v1::Job job = SleepJob("sequential", 1, 1000, 100);  // 100 s if nothing stopped it
  job.set_job_timeout_s(2);
  grpc::ClientContext context;
  v1::RunJobRequest request;
  *request.mutable_job() = job;
  auto reader = worker_->stub().RunJob(&context, request);
  v1::JobEvent event;
  ASSERT_TRUE(reader->Read(&event));
  std::vector<pid_t> children = ChildrenOf(worker_->pid());
  ASSERT_EQ(children.size(), 1u);
  const pid_t runner = children[0];
  const absl::Time started = absl::Now();
  ASSERT_EQ(kill(-runner, SIGSTOP), 0);  // a stopped runner says nothing and never exits

  v1::JobResult result;
  while (reader->Read(&event)) {
    if (event.has_result()) result = event.result();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_LT(absl::Now() - started, absl::Seconds(8));
  EXPECT_EQ(result.status(), v1::JOB_STATUS_FAILED);
  EXPECT_THAT(result.error(), HasSubstr("job timed out after 2 s (job_timeout_s)"));
  EXPECT_TRUE(WaitForGroupGone(runner, absl::Seconds(5))) << "runner group " << runner;
  ExpectSieveJobSucceeds();
}

TEST_F(WorkerDaemonTest, ANegativeOrNanTimeoutIsRejectedByName) {
  for (double timeout : {-1.0, std::nan("")}) {
    v1::Job job = SieveJob("thread_pool", 1);
    job.set_job_timeout_s(timeout);
    JobOutcome outcome = RunJob(worker_->stub(), job);
    EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(outcome.status.error_message(),
                AllOf(HasSubstr("job.job_timeout_s"), HasSubstr(">= 0"),
                      HasSubstr(timeout < 0 ? "got -1" : "got nan")));
    EXPECT_FALSE(outcome.has_result);
  }
}

TEST_F(WorkerDaemonTest, JobsWithinTheirTimeoutSucceed) {
  v1::Job job = SieveJob("thread_pool", 2);
  job.set_job_timeout_s(60);
  JobOutcome outcome = RunJob(worker_->stub(), job);
  ASSERT_TRUE(outcome.has_result);
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_OK) << outcome.result.error();
}

// kill -9 of the worker: the runner's lifeline closes and it takes its process group (here two
// children forked by the processes model) down with it.
TEST(WorkerDaemonDeathTest, KillingTheWorkerEndsItsRunnerAndEverythingItForked) {
  auto started = WorkerDaemon::Start({"--plugins", PluginDirs()});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  grpc::ClientContext context;
  v1::RunJobRequest request;
  *request.mutable_job() = SleepJob("processes", 2, 1000, 100);
  auto reader = worker.stub().RunJob(&context, request);
  v1::JobEvent event;
  ASSERT_TRUE(reader->Read(&event));
  std::vector<pid_t> children = ChildrenOf(worker.pid());
  ASSERT_EQ(children.size(), 1u);
  const pid_t runner = children[0];
  std::vector<test_support::ProcInfo> members;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(5);
       members.size() < 3 && absl::Now() < give_up; absl::SleepFor(absl::Milliseconds(20))) {
    members = LiveGroupMembers(runner);
  }
  ASSERT_GE(members.size(), 3u) << "expected the runner and its 2 forked children";

  absl::StatusOr<int> status = worker.StopWith(SIGKILL, absl::Seconds(10));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WaitForNoLiveGroupMembers(runner, absl::Seconds(5)))
      << "still running 5 s after the worker died: " << LiveGroupMembers(runner).size();
  context.TryCancel();
}

// file.write's files live in the job's scratch directory, which the worker removes after the
// runner ends, also when the runner was SIGKILLed and could clean up nothing itself.
TEST(WorkerDaemonScratchTest, AKilledRunnerLeavesNoScratchBehind) {
  TempDir scratch;
  auto started =
      WorkerDaemon::Start({"--plugins", PluginDirs(), "--scratch", scratch.path().string()});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  v1::Job job;
  job.set_job_id("file-write");
  job.mutable_workload()->set_kind("file.write");
  (*job.mutable_workload()->mutable_params())["tasks"] = "100000";
  (*job.mutable_workload()->mutable_params())["kib"] = "64";
  job.set_model("sequential");
  job.set_concurrency(1);
  job.set_repetitions(1);
  grpc::ClientContext context;
  v1::RunJobRequest request;
  *request.mutable_job() = job;
  auto reader = worker.stub().RunJob(&context, request);

  // The runner's own directory (parlab-file.write-*) inside the job's (parlab-job-*).
  bool writing = false;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(20);
       !writing && absl::Now() < give_up; absl::SleepFor(absl::Milliseconds(20))) {
    for (const std::string& entry : scratch.Entries()) {
      writing |= entry.find("parlab-job-") != std::string::npos &&
                 entry.find("parlab-file.write-") != std::string::npos;
    }
  }
  ASSERT_TRUE(writing) << "no file.write directory under " << scratch.path();
  std::vector<pid_t> children = ChildrenOf(worker.pid());
  ASSERT_EQ(children.size(), 1u);
  ASSERT_EQ(kill(children[0], SIGKILL), 0);

  v1::JobEvent event;
  v1::JobResult result;
  while (reader->Read(&event)) {
    if (event.has_result()) result = event.result();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(result.status(), v1::JOB_STATUS_FAILED);
  EXPECT_THAT(result.error(), HasSubstr("SIGKILL"));
  EXPECT_THAT(scratch.Entries(), ::testing::IsEmpty());
}

// A job that allocates past --max-job-memory fails naming the limit; the next job runs.
TEST(WorkerDaemonLimitsTest, AJobOverItsMemoryLimitFailsNamingItAndTheWorkerKeepsServing) {
#if defined(PARLAB_ASAN)
  // Without a cgroup v2 memory controller the limit is RLIMIT_DATA, and ASan's runtime maps
  // its shadow memory at start-up: an ASan runner under a 64 MiB limit cannot start at all.
  GTEST_SKIP() << "ASan's shadow mappings do not fit in a 64 MiB data limit";
#endif
  auto started = WorkerDaemon::Start({"--plugins", PluginDirs(), "--max-job-memory", "64"});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  v1::Job job = SleepJob("sequential", 1, 1, 1);
  job.mutable_workload()->set_kind("primes.is_prime");
  job.mutable_workload()->clear_params();
  // Its reference sieve takes one byte per number: 100 MB.
  (*job.mutable_workload()->mutable_params())["n"] = "100000000";
  (*job.mutable_workload()->mutable_params())["chunk"] = "100000000";
  JobOutcome outcome = RunJob(worker.stub(), job);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.error_message();
  ASSERT_TRUE(outcome.has_result);
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_FAILED);
  EXPECT_THAT(outcome.result.error(), HasSubstr("memory limit 64 MiB (--max-job-memory)"));

  outcome = RunJob(worker.stub(), SieveJob("thread_pool", 2));
  ASSERT_TRUE(outcome.has_result);
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_OK) << outcome.result.error();
}

v1::WorkerDescription DescribeWorker(WorkerDaemon& worker) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  v1::WorkerDescription description;
  grpc::Status status = worker.stub().Describe(&context, {}, &description);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return description;
}

// Issue 12: a job sent straight to RunJob (no coordinator validated a plan) meets the same
// limits as a plan: each refused before any runner starts, naming the field and the limit.
TEST_F(WorkerDaemonTest, AJobSentStraightToTheWorkerMeetsThePlanLimits) {
  v1::Job job = SieveJob("thread_pool", 2);
  job.set_repetitions(1'000'000'000);
  JobOutcome outcome = RunJob(worker_->stub(), job);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(outcome.status.error_message(),
              HasSubstr("job.repetitions: must be <= 10000, got 1000000000"));
  EXPECT_FALSE(outcome.has_result);

  job = SieveJob("thread_pool", 2);
  job.set_warmup(5000);
  EXPECT_THAT(RunJob(worker_->stub(), job).status.error_message(),
              HasSubstr("job.warmup: must be <= 1000, got 5000"));

  job = SieveJob("thread_pool", 2);
  job.set_model(std::string(100'000, 'm'));
  outcome = RunJob(worker_->stub(), job);
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(outcome.status.error_message(),
              HasSubstr("job.model: must be at most 256 bytes, got 100000 bytes"));
  EXPECT_LT(outcome.status.error_message().size(), 300u) << "the value is shortened";

  job = SieveJob("thread_pool", 2);
  job.set_job_timeout_s(1e300);
  EXPECT_THAT(RunJob(worker_->stub(), job).status.error_message(),
              HasSubstr("job.job_timeout_s: must be <= 604800 (a week)"));

  job = SieveJob("thread_pool", 2);
  job.set_concurrency(100'001);
  EXPECT_THAT(RunJob(worker_->stub(), job).status.error_message(),
              HasSubstr("job.concurrency: must be <= "));
  ExpectSieveJobSucceeds();
}

// --max-concurrency: published in the description, and a RunJob above it is refused.
TEST(WorkerDaemonLimitsTest, MaxConcurrencyIsPublishedAndEnforced) {
  auto started = WorkerDaemon::Start({"--plugins", PluginDirs(), "--max-concurrency", "8"});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  EXPECT_EQ(DescribeWorker(worker).max_concurrency(), 8);
  JobOutcome outcome = RunJob(worker.stub(), SieveJob("thread_pool", 9));
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(outcome.status.error_message(),
              HasSubstr("job.concurrency: must be <= 8 (this worker's maximum concurrency, "
                        "parlab-worker --max-concurrency), got 9"));
  outcome = RunJob(worker.stub(), SieveJob("thread_pool", 8));
  ASSERT_TRUE(outcome.has_result) << outcome.status.error_message();
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_OK) << outcome.result.error();
}

// Without job cgroups (forced here, so this runs everywhere) nothing can count a job's
// processes, so a job may not ask for more units than --max-job-processes.
TEST(WorkerDaemonLimitsTest, WithoutCgroupsAJobAboveMaxJobProcessesIsRefusedBeforeItForks) {
  auto started = WorkerDaemon::Start(
      {"--plugins", PluginDirs(), "--job-cgroups", "off", "--max-job-processes", "16"});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  const v1::WorkerDescription description = DescribeWorker(worker);
  EXPECT_EQ(description.job_process_limit(), "check");
  EXPECT_EQ(description.max_job_processes(), 16);
  JobOutcome outcome = RunJob(worker.stub(), SleepJob("processes", 17, 17, 1));
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(outcome.status.error_message(),
              HasSubstr("job.concurrency: must be <= 16 on this worker (--max-job-processes 16; "
                        "it has no cgroup"));
  EXPECT_TRUE(ChildrenOf(worker.pid()).empty()) << "no runner was started";
  outcome = RunJob(worker.stub(), SleepJob("processes", 16, 16, 1));
  ASSERT_TRUE(outcome.has_result) << outcome.status.error_message();
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_OK) << outcome.result.error();
}

// The job cgroups of worker `pid` still present on any cgroup mount (parlab-job-<pid>-N, at most
// three levels down).
std::vector<std::string> JobCgroupsOf(pid_t pid) {
  std::vector<std::string> found;
  const std::string prefix = "parlab-job-" + std::to_string(pid) + "-";
  std::ifstream mounts("/proc/self/mounts");
  for (std::string dev, dir, type, rest;
       mounts >> dev >> dir >> type && std::getline(mounts, rest);) {
    if (type != "cgroup" && type != "cgroup2") continue;
    std::error_code error;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, error);
         !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      std::error_code ignored;
      if (it->is_directory(ignored) && it->path().filename().string().rfind(prefix, 0) == 0) {
        found.push_back(it->path().string());
      }
      if (it.depth() >= 3) it.disable_recursion_pending();
    }
  }
  return found;
}

// Issue 12, item 3 ("one plan makes a runner hold 2,000 forked children"): with a cgroup per
// job, a process model that forks past --max-job-processes fails naming pids.max, its cgroup
// is removed, and the worker keeps serving. Needs cgroups this worker may create.
TEST(WorkerDaemonLimitsTest, AJobForkingPastItsCgroupsPidsMaxFailsNamingIt) {
  auto started = WorkerDaemon::Start({"--plugins", PluginDirs(), "--max-job-processes", "16"});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  const v1::WorkerDescription description = DescribeWorker(worker);
  if (description.job_process_limit() == "check") {
    GTEST_SKIP() << "the worker may create no cgroup here (no cgroup v2 with the pids "
                    "controller delegated to it, no writable cgroup v1 pids hierarchy); its "
                    "event=job_limits log line above says why";
  }
  // 64 children of 300 ms each at once, under pids.max 16 + 16.
  JobOutcome outcome = RunJob(worker.stub(), SleepJob("processes", 64, 64, 300));
  ASSERT_TRUE(outcome.has_result) << outcome.status.error_message();
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_FAILED);
  EXPECT_THAT(outcome.result.error(),
              HasSubstr("the job reached its process limit: pids.max 32 (--max-job-processes 16, "
                        "plus 16 for the runner itself)"));
  EXPECT_THAT(JobCgroupsOf(worker.pid()), ::testing::IsEmpty()) << "left behind";
  outcome = RunJob(worker.stub(), SieveJob("thread_pool", 2));
  ASSERT_TRUE(outcome.has_result) << outcome.status.error_message();
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_OK) << outcome.result.error();
}

// A workload check imports the plan's python module, whose top level is user code that runs in
// the check's runner: the runner is confined as a job's is (limits, lifeline, cgroup).
struct CheckOutcome {
  grpc::Status status;
  std::string error;  // the response's: empty when the workload can run
};

// CheckWorkload of python module `module` (its function f over 1..3) on `worker`.
CheckOutcome CheckPython(WorkerDaemon& worker, const std::string& module) {
  v1::CheckWorkloadRequest request;
  request.mutable_workload()->set_kind("python");
  (*request.mutable_workload()->mutable_params())["module"] = module;
  (*request.mutable_workload()->mutable_params())["function"] = "f";
  (*request.mutable_workload()->mutable_params())["range"] = "[1, 3]";
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
  v1::CheckWorkloadResponse response;
  grpc::Status status = worker.stub().CheckWorkload(&context, request, &response);
  return {status, response.error()};
}

void WriteModule(const std::filesystem::path& path, const std::string& top_level) {
  std::ofstream(path) << "import os\nimport time\n" << top_level << "\n\ndef f(n):\n    return n\n";
}

// kill -9 of the worker while a check's module sleeps at its top level (and a child it forked
// sleeps too): the check's runner and the child are gone within 5 s, as a job's would be.
TEST(WorkerDaemonDeathTest, KillingTheWorkerEndsAWorkloadCheckAndWhatItForked) {
  TempDir modules;
  WriteModule(modules.path() / "slow.py",
              "if os.fork() == 0:\n    time.sleep(60)\n    os._exit(0)\ntime.sleep(60)");
  auto started =
      WorkerDaemon::Start({"--plugins", PluginDirs(), "--python-path", modules.path().string()});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  std::future<CheckOutcome> call =
      std::async(std::launch::async, [&] { return CheckPython(worker, "slow.py"); });
  std::vector<pid_t> children;
  std::vector<test_support::ProcInfo> members;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(20);
       members.size() < 2 && absl::Now() < give_up; absl::SleepFor(absl::Milliseconds(20))) {
    children = ChildrenOf(worker.pid());
    if (children.size() == 1) members = LiveGroupMembers(children[0]);
  }
  ASSERT_GE(members.size(), 2u) << "expected the check's runner and the child its module forked";

  absl::StatusOr<int> status = worker.StopWith(SIGKILL, absl::Seconds(10));
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_TRUE(WaitForNoLiveGroupMembers(children[0], absl::Seconds(5)))
      << "still running 5 s after the worker died: " << LiveGroupMembers(children[0]).size();
  EXPECT_FALSE(call.get().status.ok());
}

// The job limits hold during a check: a module that opens 100 files at its top level cannot be
// imported under --max-job-files 32, and the check says why.
TEST(WorkerDaemonLimitsTest, AWorkloadCheckIsHeldToTheOpenFileLimit) {
  TempDir modules;
  WriteModule(modules.path() / "files.py", "handles = [open(os.devnull) for _ in range(100)]");
  auto started = WorkerDaemon::Start({"--plugins", PluginDirs(), "--python-path",
                                      modules.path().string(), "--max-job-files", "32"});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  CheckOutcome check = CheckPython(worker, "files.py");
  ASSERT_TRUE(check.status.ok()) << check.status.error_message();
  EXPECT_THAT(check.error, AllOf(HasSubstr("cannot import"), HasSubstr("files.py"),
                                 HasSubstr("Too many open files")));
}

// And its cgroup: a module that forks 40 children at its top level, under pids.max 16 + 16,
// fails naming the limit; no cgroup of the check is left. Needs cgroups this worker may create.
TEST(WorkerDaemonLimitsTest, AWorkloadCheckForkingPastItsCgroupsPidsMaxFailsNamingIt) {
  TempDir modules;
  WriteModule(modules.path() / "forks.py",
              "for _ in range(40):\n    if os.fork() == 0:\n        time.sleep(30)\n"
              "        os._exit(0)");
  auto started = WorkerDaemon::Start({"--plugins", PluginDirs(), "--python-path",
                                      modules.path().string(), "--max-job-processes", "16"});
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  if (DescribeWorker(worker).job_process_limit() == "check") {
    GTEST_SKIP() << "the worker may create no cgroup here; its event=job_limits log line says why";
  }
  CheckOutcome check = CheckPython(worker, "forks.py");
  ASSERT_TRUE(check.status.ok()) << check.status.error_message();
  EXPECT_THAT(check.error,
              AllOf(HasSubstr("reached its process limit: pids.max 32 (--max-job-processes 16, "
                              "plus 16 for the runner itself)"),
                    HasSubstr("cannot import"), HasSubstr("forks.py")));
  EXPECT_TRUE(ChildrenOf(worker.pid()).empty()) << "the check's runner was reaped";
  EXPECT_THAT(JobCgroupsOf(worker.pid()), ::testing::IsEmpty()) << "left behind";
}

// Without cgroups, a worker that is not root gives each runner RLIMIT_NPROC above its user's
// own processes: user code that forks past --max-job-processes (a python task forking 80
// children at concurrency 1, which the concurrency check lets through) fails naming the limit, and
// the worker keeps serving. As root (exempt from RLIMIT_NPROC) the worker runs as uid 65533.
TEST(WorkerDaemonLimitsTest, WithoutCgroupsAnOrdinaryUsersJobIsHeldToAProcessRlimit) {
  const std::optional<std::vector<std::string>> as_user = test_support::AsOrdinaryUser(65533);
  if (!as_user) GTEST_SKIP() << "root, and no /usr/bin/setpriv to run the worker as another user";
  TempDir modules;
  std::filesystem::permissions(modules.path(), std::filesystem::perms::all);  // uid 65533's too
  std::ofstream(modules.path() / "forker.py") << R"PY(import os
import time


def f(n):
    children = []
    try:
        for _ in range(80):
            pid = os.fork()
            if pid == 0:
                time.sleep(0.3)
                os._exit(0)
            children.append(pid)
    finally:
        for pid in children:
            os.waitpid(pid, 0)
    return n
)PY";
  auto started = WorkerDaemon::Start(
      {"--plugins", PluginDirs(), "--python-path", modules.path().string(), "--job-cgroups", "off",
       "--max-job-processes", "16", "--scratch", modules.path().string()},
      *as_user);
  ASSERT_TRUE(started.ok()) << started.status();
  WorkerDaemon& worker = **started;
  v1::Job job;
  job.set_job_id("forker");
  job.mutable_workload()->set_kind("python");
  (*job.mutable_workload()->mutable_params())["module"] = "forker.py";
  (*job.mutable_workload()->mutable_params())["function"] = "f";
  (*job.mutable_workload()->mutable_params())["range"] = "[1, 2]";
  job.set_model("sequential");
  job.set_concurrency(1);
  job.set_repetitions(1);
  JobOutcome outcome = RunJob(worker.stub(), job);
  ASSERT_TRUE(outcome.has_result) << outcome.status.error_message();
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_FAILED);
  EXPECT_THAT(outcome.result.error(),
              AllOf(HasSubstr("Resource temporarily unavailable"),
                    HasSubstr("(the job's process limit: RLIMIT_NPROC "),
                    HasSubstr(" plus 32 (--max-job-processes, with the runner's own threads))")));
  outcome = RunJob(worker.stub(), SieveJob("thread_pool", 2));
  ASSERT_TRUE(outcome.has_result) << outcome.status.error_message();
  EXPECT_EQ(outcome.result.status(), v1::JOB_STATUS_OK) << outcome.result.error();
}

TEST(WorkerDaemonStartTest, ABusyPortIsRefusedWithExit2) {
  auto first = WorkerDaemon::Start({"--plugins", PluginDirs()});
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<Completed> second =
      RunWorkerToCompletion({"--listen", (*first)->address(), "--plugins", PluginDirs()});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(WIFEXITED(second->wait_status) && WEXITSTATUS(second->wait_status) == 2)
      << "wait status " << second->wait_status << "\n"
      << second->err;
  EXPECT_THAT(second->err, AllOf(HasSubstr((*first)->address()), HasSubstr("in use")));
  EXPECT_THAT(second->out, ::testing::Not(HasSubstr("listening on")));
}

TEST(WorkerDaemonStartTest, BrokenRunnerStillStartsAndSaysWhy) {
  auto worker =
      WorkerDaemon::Start({"--plugins", PluginDirs(), "--runner", "/nonexistent/parlab-runner"});
  ASSERT_TRUE(worker.ok()) << worker.status();
  grpc::ClientContext context;
  v1::WorkerDescription d;
  ASSERT_TRUE((*worker)->stub().Describe(&context, {}, &d).ok());
  EXPECT_EQ(d.models_size(), 0);
  ASSERT_EQ(d.refused_size(), 1);
  EXPECT_EQ(d.refused(0).path(), "/nonexistent/parlab-runner");
  EXPECT_THAT(d.refused(0).reason(), HasSubstr("No such file or directory"));

  JobOutcome outcome = RunJob((*worker)->stub(), SieveJob("thread_pool", 1));
  EXPECT_EQ(outcome.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(outcome.status.error_message(), HasSubstr("no models"));
}

// Usage errors exit 2, as in `parlab` and `parlab-coordinator` (common/flags.h: kExitUsage).
TEST(WorkerDaemonStartTest, BadFlagsPrintUsageAndExit2) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--bogus"}, std::vector<std::string>{"--listen", "nohost"},
        std::vector<std::string>{"--listen"}}) {
    absl::StatusOr<Completed> run = RunWorkerToCompletion(args);
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_TRUE(WIFEXITED(run->wait_status) && WEXITSTATUS(run->wait_status) == 2)
        << absl::StrJoin(args, " ") << ": wait status " << run->wait_status;
    EXPECT_THAT(run->err, HasSubstr("usage: parlab-worker"));
    EXPECT_THAT(run->err, HasSubstr(args.size() == 1 ? args[0] : args[1]));
  }
}

}  // namespace
}  // namespace parlab::testing
