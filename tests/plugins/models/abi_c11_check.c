/* Compiles the plugin ABI header as C11 (the C++20 side is every other file here), and
 * builds an entry with designated initializers the way a C plugin would. */
#include "parlab/model_abi.h"

static int32_t Run(const parlab_job_t* job, parlab_error_t* error) {
  (void)job;
  (void)error;
  return PARLAB_OK;
}

static const parlab_model_entry_t kEntry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "c11_check",
    .version = "1.0.0",
    .description = "compiled as C11",
    .max_concurrency = 0,
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

uint32_t parlab_abi_version_seen_by_c11(void) { return kEntry.abi_version; }
