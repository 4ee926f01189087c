// counter, queue and spawn through the workload library alone: parameter validation, the
// model check of queue, and whole-repetition verification catching a wrong result.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "test_spec.h"

namespace parlab::workloads {
namespace {

using ::testing::HasSubstr;

TEST(CounterParams, RefusesBadValues) {
  EXPECT_EQ(RefusalOf("counter", {{"tasks", "0"}}),
            "plan.workload.params.tasks: must be >= 1, got 0");
  EXPECT_THAT(RefusalOf("counter", {{"increments", "0"}}),
              HasSubstr("plan.workload.params.increments"));
  EXPECT_EQ(RefusalOf("counter", {{"strategy", "spin"}}),
            "plan.workload.params.strategy: must be one of none, mutex, recursive_mutex, atomic, "
            "try_lock, got \"spin\"");
  EXPECT_EQ(RefusalOf("counter", {{"shared", "yes"}}),
            "plan.workload.params.shared: must be true or false, got \"yes\"");
  EXPECT_THAT(RefusalOf("counter", {{"threads", "2"}}), HasSubstr("threads"));
  EXPECT_TRUE(
      ValidateWorkloadSpec(MakeSpec("counter", {{"strategy", "try_lock"}, {"shared", "false"}}))
          .ok());
}

TEST(QueueParams, RefusesBadValues) {
  EXPECT_EQ(RefusalOf("queue", {{"items", "0"}}),
            "plan.workload.params.items: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("queue", {{"producers", "0"}}),
            "plan.workload.params.producers: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("queue", {{"consumers", "2000"}}),
            "plan.workload.params.consumers: must be <= 1024, got 2000");
}

TEST(SpawnParams, RefusesBadValues) {
  EXPECT_EQ(RefusalOf("spawn", {{"units", "0"}}),
            "plan.workload.params.units: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("spawn", {{"hold_ms", "-1"}}),
            "plan.workload.params.hold_ms: must be >= 0, got -1");
}

std::unique_ptr<Workload> Prepared(const std::string& kind,
                                   const std::map<std::string, std::string>& params) {
  absl::StatusOr<std::unique_ptr<Workload>> w = CreateWorkload(MakeSpec(kind, params));
  EXPECT_TRUE(w.ok()) << w.status();
  if (!w.ok()) return nullptr;
  EXPECT_TRUE((*w)->Prepare().ok());
  EXPECT_TRUE((*w)->ResetForRepetition().ok());
  return *std::move(w);
}

TEST(Counter, SerialRunGivesTheExactTotalAndAMissingTaskFails) {
  auto w = Prepared("counter", {{"tasks", "3"}, {"increments", "1000"}});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->RunTask(0).ok());
  ASSERT_TRUE(w->RunTask(1).ok());
  // Two of three tasks: 2000, not 3000 — the repetition check must see it.
  absl::Status short_total = w->VerifyRepetition({0, 1});
  EXPECT_THAT(std::string(short_total.message()), HasSubstr("total 2000, expected 3000"));
  ASSERT_TRUE(w->RunTask(2).ok());
  EXPECT_TRUE(w->VerifyRepetition({0, 1}).ok());
  EXPECT_EQ(w->CollectMetrics({0, 1'000'000'000})["total"], 3000);
  // The next repetition starts from 0.
  ASSERT_TRUE(w->ResetForRepetition().ok());
  EXPECT_FALSE(w->VerifyRepetition({0, 1}).ok());
}

TEST(Counter, TryLockAloneNeverSkips) {
  auto w = Prepared("counter", {{"tasks", "2"}, {"increments", "500"}, {"strategy", "try_lock"}});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->RunTask(0).ok());
  ASSERT_TRUE(w->RunTask(1).ok());
  ASSERT_TRUE(w->VerifyRepetition({0, 1}).ok());
  Metrics m = w->CollectMetrics({0, 1});
  EXPECT_EQ(m["total"], 1000);
  EXPECT_EQ(m["skipped"], 0);
}

TEST(Queue, RejectsModelsThatCannotRunProducersAndConsumersTogether) {
  auto w = CreateWorkload(MakeSpec("queue", {{"producers", "2"}, {"consumers", "1"}}));
  ASSERT_TRUE(w.ok());
  absl::Status sequential = (*w)->CheckModel({"sequential", 1, 1, false});
  EXPECT_EQ(sequential.message(),
            "queue cannot run under sequential: producers and consumers must run concurrently, "
            "and the model runs one task at a time");
  absl::Status low = (*w)->CheckModel({"thread_pool", 2, 0, false});
  EXPECT_EQ(low.message(),
            "job.concurrency: queue needs concurrency >= producers + consumers (3) under model "
            "thread_pool, got 2 (a consumer would wait for a producer that cannot start)");
  EXPECT_TRUE((*w)->CheckModel({"thread_pool", 3, 0, false}).ok());
  EXPECT_TRUE((*w)->CheckModel({"fibers", 1, 0, true}).ok());  // every task in flight anyway
}

TEST(Queue, OneProducerThenOneConsumerPassEveryItem) {
  // 1000 records fit the pipe, so running the producer to the end first cannot block.
  auto w = Prepared("queue", {{"items", "1000"}});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->RunTask(0).ok());
  EXPECT_THAT(std::string(w->VerifyRepetition({0, 1}).message()),
              HasSubstr("consumers took 0 items"));
  ASSERT_TRUE(w->RunTask(1).ok());
  EXPECT_TRUE(w->VerifyRepetition({0, 1}).ok());
  EXPECT_GT(w->CollectMetrics({0, 1'000'000})["items_per_s"], 0);
}

TEST(Spawn, StampsOutsideTheRunFail) {
  auto w = Prepared("spawn", {{"units", "2"}, {"hold_ms", "1"}});
  ASSERT_NE(w, nullptr);
  ASSERT_TRUE(w->RunTask(0).ok());
  // Unit 1 never ran: its stamps are 0.
  EXPECT_THAT(std::string(w->VerifyRepetition({0, INT64_MAX}).message()), HasSubstr("unit 1"));
  ASSERT_TRUE(w->RunTask(1).ok());
  EXPECT_TRUE(w->VerifyRepetition({0, INT64_MAX}).ok());
  // A run window that ends before the units did is refused.
  EXPECT_FALSE(w->VerifyRepetition({0, 1}).ok());
}

}  // namespace
}  // namespace parlab::workloads
