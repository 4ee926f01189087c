// libFuzzer target: the plan parser and validator, on any text (`parlab run` and the
// coordinator's SubmitRun both reach ParsePlanJson with what a user wrote). It must return a
// status, never crash, throw or hang. A plan it accepts must survive validation again.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "absl/strings/string_view.h"
#include "parlab/coordinator/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<parlab::v1::Plan> plan = parlab::coordinator::ParsePlanJson(text);
  if (plan.ok() && !parlab::coordinator::ValidatePlan(*plan).ok()) abort();
  return 0;
}
