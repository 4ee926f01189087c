// Workers load plugins from their plugin directory at start and again on SIGHUP, without a
// restart: a plugin copied in afterwards shows up in Describe and runs jobs.
#include <signal.h>

#include <filesystem>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "sdk_test_util.h"
#include "worker/worker_harness.h"

namespace parlab::sdk_test {
namespace {

namespace fs = std::filesystem;

bool HasModel(const v1::WorkerDescription& d, const std::string& name) {
  for (const v1::ModelInfo& model : d.models()) {
    if (model.name() == name) return true;
  }
  return false;
}

v1::WorkerDescription Describe(testing::WorkerDaemon& worker) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::WorkerDescription d;
  grpc::Status status = worker.stub().Describe(&context, v1::DescribeRequest(), &d);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return d;
}

TEST(WorkerSighup, ReloadsThePluginDirectory) {
  TempDir dir("parlab-sighup");
  ASSERT_FALSE(dir.path().empty());
  fs::copy_file(fs::path(PARLAB_PLUGIN_DIR) / "sequential.so", dir.path() / "sequential.so");
  auto worker = testing::WorkerDaemon::Start({"--plugins", dir.path().string()});
  ASSERT_TRUE(worker.ok()) << worker.status();
  const v1::WorkerDescription before = Describe(**worker);
  EXPECT_TRUE(HasModel(before, "sequential"));
  EXPECT_FALSE(HasModel(before, "thread_pool"));

  fs::copy_file(fs::path(PARLAB_PLUGIN_DIR) / "thread_pool.so", dir.path() / "thread_pool.so");
  ASSERT_EQ(kill((*worker)->pid(), SIGHUP), 0);
  v1::WorkerDescription after;
  for (absl::Time deadline = absl::Now() + absl::Seconds(20); absl::Now() < deadline;) {
    after = Describe(**worker);
    if (HasModel(after, "thread_pool")) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_TRUE(HasModel(after, "thread_pool")) << after.DebugString();
  EXPECT_TRUE(HasModel(after, "sequential"));
  EXPECT_EQ(after.address(), before.address());
  EXPECT_FALSE(after.machine().hostname().empty());

  // The new model runs jobs, and the daemon is still the same process.
  v1::RunJobRequest request;
  v1::Job* job = request.mutable_job();
  job->set_model("thread_pool");
  job->mutable_workload()->set_kind("sleep");
  (*job->mutable_workload()->mutable_params())["tasks"] = "4";
  (*job->mutable_workload()->mutable_params())["ms"] = "1";
  job->set_concurrency(2);
  job->set_repetitions(1);
  grpc::ClientContext context;
  auto reader = (*worker)->stub().RunJob(&context, request);
  v1::JobEvent event, last;
  while (reader->Read(&event)) last = event;
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(last.result().status(), v1::JOB_STATUS_OK) << last.DebugString();
}

}  // namespace
}  // namespace parlab::sdk_test
