// Shared by the workload tests: a WorkloadSpec from a kind and a few parameters.
#ifndef PARLAB_TESTS_WORKLOADS_TEST_SPEC_H_
#define PARLAB_TESTS_WORKLOADS_TEST_SPEC_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "parlab/workloads/workload.h"

namespace parlab::workloads {

inline v1::WorkloadSpec MakeSpec(const std::string& kind,
                                 const std::map<std::string, std::string>& params) {
  v1::WorkloadSpec spec;
  spec.set_kind(kind);
  for (const auto& [name, value] : params) (*spec.mutable_params())[name] = value;
  return spec;
}

// The error a bad spec is refused with ("" and a test failure if it was accepted).
inline std::string RefusalOf(const std::string& kind,
                             const std::map<std::string, std::string>& params) {
  absl::Status status = ValidateWorkloadSpec(MakeSpec(kind, params));
  EXPECT_FALSE(status.ok()) << "accepted: " << kind;
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  return std::string(status.message());
}

// Creates and prepares the workload, then runs every task; the first failure fails the test.
inline void RunAllTasks(const std::string& kind, const std::map<std::string, std::string>& params,
                        uint64_t expected_tasks) {
  absl::StatusOr<std::unique_ptr<Workload>> workload = CreateWorkload(MakeSpec(kind, params));
  ASSERT_TRUE(workload.ok()) << workload.status();
  ASSERT_EQ((*workload)->task_count(), expected_tasks);
  // Without Prepare()'s reference there is nothing to verify against: refuse, never pass.
  EXPECT_EQ((*workload)->RunTask(0).code(), absl::StatusCode::kFailedPrecondition);
  absl::Status prepared = (*workload)->Prepare();
  ASSERT_TRUE(prepared.ok()) << prepared;
  for (uint64_t i = 0; i < expected_tasks; ++i) {
    absl::Status status = (*workload)->RunTask(i);
    ASSERT_TRUE(status.ok()) << kind << " task " << i << ": " << status;
  }
  EXPECT_EQ((*workload)->RunTask(expected_tasks).code(), absl::StatusCode::kOutOfRange);
}

}  // namespace parlab::workloads

#endif  // PARLAB_TESTS_WORKLOADS_TEST_SPEC_H_
