// The per-worker job lease that keeps two runs of one coordinator from sharing a worker.
#include "parlab/cluster/worker_lock.h"

#include <optional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "parlab/cluster/cancel.h"

namespace parlab::cluster {
namespace {

TEST(WorkerLockTest, OneHolderAtATimeInArrivalOrder) {
  WorkerLocks locks;
  absl::Mutex mutex;
  std::vector<int> order;
  int inside = 0;
  int most_inside = 0;
  std::optional<WorkerLease> first = locks.Acquire("w:1", nullptr);
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(locks.Busy("w:1"));
  EXPECT_FALSE(locks.Busy("other:1"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      std::optional<WorkerLease> lease = locks.Acquire("w:1", nullptr);
      {
        absl::MutexLock lock(&mutex);
        order.push_back(i);
        most_inside = std::max(most_inside, ++inside);
      }
      absl::SleepFor(absl::Milliseconds(20));
      absl::MutexLock lock(&mutex);
      --inside;
    });
    absl::SleepFor(absl::Milliseconds(50));  // queue them in order 0, 1, 2
  }
  first.reset();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(most_inside, 1);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
  EXPECT_FALSE(locks.Busy("w:1"));
}

TEST(WorkerLockTest, ACancelledWaiterGivesUpItsPlace) {
  WorkerLocks locks;
  std::optional<WorkerLease> held = locks.Acquire("w:1", nullptr);
  RunCanceller canceller;
  std::thread cancel([&] {
    absl::SleepFor(absl::Milliseconds(150));
    canceller.Cancel();
  });
  EXPECT_FALSE(locks.Acquire("w:1", &canceller).has_value());
  cancel.join();
  held.reset();
  EXPECT_TRUE(locks.Acquire("w:1", nullptr).has_value());  // the queue is not stuck
}

}  // namespace
}  // namespace parlab::cluster
