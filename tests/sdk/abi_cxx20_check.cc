// Compiles the plugin ABI header as C++20 with -pedantic (tests/models/abi_c11_check.c does
// C11) and checks the layout facts the host relies on: the version is the first field, and an
// entry written with designated initializers, as a C++ plugin writes it, keeps its values.
#include <cstddef>

#include "gtest/gtest.h"
#include "parlab/model_abi.h"

namespace {

static_assert(offsetof(parlab_model_entry_t, abi_version) == 0,
              "the host reads abi_version before anything else: it must come first");
static_assert(sizeof(parlab_error_t) == PARLAB_ERROR_CAPACITY);
static_assert(PARLAB_ABI_VERSION == 2u);
// Version 2 only appended fields: every version-1 field keeps its offset (LP64), and the new
// ones start where a version-1 struct ended (tests/runner/plugins/abi_v1.c is that struct).
static_assert(sizeof(void*) != 8 || offsetof(parlab_model_entry_t, run) == 40);
static_assert(sizeof(void*) != 8 || offsetof(parlab_model_entry_t, concurrency_bounds) == 48);
static_assert(sizeof(void*) != 8 || offsetof(parlab_job_t, log) == 48);
static_assert(sizeof(void*) != 8 || offsetof(parlab_job_t, bind_unit) == 56);

int32_t Run(const parlab_job_t*, parlab_error_t*) { return PARLAB_OK; }

constexpr parlab_model_entry_t kEntry = {
    .abi_version = PARLAB_ABI_VERSION,
    .name = "cxx20_check",
    .version = "1.0.0",
    .description = "compiled as C++20",
    .max_concurrency = 0,
    .run = &Run,
    .concurrency_bounds = PARLAB_BOUNDS_TASKS,
};

TEST(AbiHeader, CompilesAsCxx20WithDesignatedInitializers) {
  EXPECT_EQ(kEntry.abi_version, PARLAB_ABI_VERSION);
  EXPECT_STREQ(kEntry.name, "cxx20_check");
  EXPECT_EQ(kEntry.run(nullptr, nullptr), PARLAB_OK);
  EXPECT_STREQ(PARLAB_MODEL_ENTRY_SYMBOL, "parlab_model_entry");
}

}  // namespace
