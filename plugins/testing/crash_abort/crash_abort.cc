// crash_abort (test-only): calls abort() in run(), so the process running it dies by SIGABRT.
#include <cstdlib>

#include "parlab/model_abi.h"

namespace {

int32_t Run(const parlab_job_t*, parlab_error_t*) { std::abort(); }

}  // namespace

extern "C" PARLAB_EXPORT const parlab_model_entry_t parlab_model_entry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "crash_abort",
    .version = "1.0.0",
    .description = "Test-only: calls abort() in run()",
    .max_concurrency = 0,
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};
