/* runner_test_no_entry: a shared library that is not a parlab plugin at all. */
#include "parlab/model_abi.h"

PARLAB_EXPORT int not_a_model(void) { return 42; }
