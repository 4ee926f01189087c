// factorial: GMP results against values computed elsewhere (Python's exact integers), both
// independent checks catching a wrong result, the parameters, and a small verified run.
#include "parlab/workloads/factorial.h"

#include <gtest/gtest.h>

#include "test_spec.h"

namespace parlab::workloads {
namespace {

TEST(Factorial, GmpResultMatchesKnownDigitsAndResidues) {
  // {n, decimal digits of n!, n! mod 4294967291}, from Python's exact integers.
  struct Known {
    uint64_t n, digits, residue;
  };
  for (const Known& k : {Known{1, 1, 1}, Known{10, 7, 3628800}, Known{20, 19, 730137969},
                         Known{100, 158, 4223175315}, Known{1000, 2568, 444887038},
                         Known{111116, 512413, 2520997114}}) {
    FactorialResult result = ComputeFactorial(k.n);
    EXPECT_EQ(result.digits, k.digits) << k.n;
    EXPECT_EQ(result.residue, k.residue) << k.n;
    EXPECT_EQ(FactorialModPrime(k.n, kFactorialModulus), k.residue) << k.n;
  }
}

TEST(Factorial, ReferencesAreIndependentlyRight) {
  // Wilson: (p-1)! = -1 (mod p) for a prime p.
  EXPECT_EQ(FactorialModPrime(1000002, 1000003), 1000002u);
  FactorialReference ref = FactorialDigitReference(111116);
  EXPECT_EQ(ref.min_digits, 512413u);
  EXPECT_EQ(ref.max_digits, 512413u);
  // log10(1!) = 0 exactly: the estimate's lower side, floor(0 - slack) + 1, would be 0 digits,
  // and before it was clamped that came of converting -1 to uint64_t and wrapping (undefined;
  // UBSan's float-cast-overflow check stopped on it). Every number has at least one digit.
  ref = FactorialDigitReference(1);
  EXPECT_EQ(ref.min_digits, 1u);
  EXPECT_EQ(ref.max_digits, 1u);
  ref = FactorialDigitReference(0);
  EXPECT_EQ(ref.min_digits, 1u);
  EXPECT_EQ(ref.max_digits, 1u);
}

TEST(Factorial, EachCheckCatchesAWrongResult) {
  const FactorialReference ref{512413, 512413, 2520997114};
  EXPECT_TRUE(CheckFactorial(0, 111116, {512413, 2520997114}, ref).ok());
  absl::Status digits = CheckFactorial(0, 111116, {512412, 2520997114}, ref);
  EXPECT_EQ(digits.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(digits.message(),
            "factorial task 0 (n=111116): 512412 digits, expected 512413 (from lgamma)");
  absl::Status residue = CheckFactorial(2, 111116, {512413, 17}, ref);
  EXPECT_EQ(residue.message(),
            "factorial task 2 (n=111116): n! mod 4294967291 = 17, expected 2520997114");
  const FactorialReference ambiguous{6, 7, 3628800};
  EXPECT_TRUE(CheckFactorial(0, 10, {7, 3628800}, ambiguous).ok());
  EXPECT_EQ(CheckFactorial(0, 10, {8, 3628800}, ambiguous).message(),
            "factorial task 0 (n=10): 8 digits, expected 6..7 (from lgamma)");
}

TEST(Factorial, ParamsAreValidated) {
  auto defaults = CreateWorkload(MakeSpec("factorial", {}));
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ((*defaults)->task_count(), 4u);  // the seed's n = 111116 .. 111119
  EXPECT_EQ(RefusalOf("factorial", {{"from", "0"}}),
            "plan.workload.params.from: must be >= 1, got 0");
  EXPECT_EQ(RefusalOf("factorial", {{"from", "10"}, {"to", "10"}}),
            "plan.workload.params.to: must be greater than from (10), got 10");
  EXPECT_EQ(RefusalOf("factorial", {{"from", "10"}, {"to", "1000002"}}),
            "plan.workload.params.to: must be <= 1000001, got 1000002");
  EXPECT_EQ(RefusalOf("factorial", {{"n", "5"}}),
            "plan.workload.params.n: unknown parameter of factorial (valid: from, to)");
}

TEST(Factorial, SmallRunVerifies) {
  RunAllTasks("factorial", {{"from", "1"}, {"to", "400"}}, 399);
  RunAllTasks("factorial", {{"from", "5000"}, {"to", "5003"}}, 3);
}

}  // namespace
}  // namespace parlab::workloads
