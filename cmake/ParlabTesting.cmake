# parlab_add_gtest(<name> SOURCES <file>... [LIBS <target>...] [TEST_PREFIX <prefix>]
#                  [DISCOVERY_TIMEOUT <seconds>] [PROPERTIES <property> <value>...])
#
# One GoogleTest executable, registered with CTest case by case: add_executable(<name>),
# linked PRIVATE to LIBS and GTest::gtest_main, its own sources compiled at -O0, then
# gtest_discover_tests() with TEST_PREFIX, DISCOVERY_TIMEOUT and PROPERTIES passed through.
# Anything else the test needs (compile definitions, include directories, add_dependencies on
# the binaries it runs) is added to <name> after the call, with the ordinary target_* commands.
#
#   parlab_add_gtest(worker_test SOURCES flags_test.cc LIBS parlab::worker GTest::gmock
#                    TEST_PREFIX "worker." DISCOVERY_TIMEOUT 30 PROPERTIES TIMEOUT 120)
include_guard(GLOBAL)
include(GoogleTest)

function(parlab_add_gtest name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "TEST_PREFIX;DISCOVERY_TIMEOUT"
                        "SOURCES;LIBS;PROPERTIES")
  if(ARG_UNPARSED_ARGUMENTS OR NOT ARG_SOURCES)
    message(FATAL_ERROR "parlab_add_gtest(${name}): needs SOURCES; unexpected arguments: "
                        "${ARG_UNPARSED_ARGUMENTS}")
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main)
  # Test code itself is built unoptimized (-O0, with the build type's debug info): its cost is
  # compiling, not running, while what it tests (libraries, daemons, plugins, the workloads'
  # kernels) keeps the build type's optimization; header-only code a test compiles itself
  # (child_table.h, synthetic_job.cc's tasks) runs unoptimized, and no test times it. e2e_test.cc: 17.6 s at -O2 -g, 8.6 s at
  # -O0 -g (GCC); worker_test's unity file under ASan + UBSan: 41.5 s at -O1 -g1, 12.7 s at
  # -O0 -g1 (clang-16). A later -O wins: this one follows the build type's.
  target_compile_options(${name} PRIVATE -O0)

  set(discover_options)
  foreach(option TEST_PREFIX DISCOVERY_TIMEOUT)
    if(DEFINED ARG_${option})
      list(APPEND discover_options ${option} "${ARG_${option}}")
    endif()
  endforeach()
  # No test may write into the user's own result store (~/.local/share/parlab/runs.db): every
  # test runs with PARLAB_STORE set to a file in the build tree (`parlab run` and
  # `parlab-coordinator` record there by default). A test that needs its own store passes
  # --store. ENVIRONMENT_MODIFICATION, not ENVIRONMENT, so that a test's own ENVIRONMENT
  # property is kept.
  gtest_discover_tests(${name} ${discover_options}
    PROPERTIES ${ARG_PROPERTIES}
      ENVIRONMENT_MODIFICATION "PARLAB_STORE=set:${CMAKE_BINARY_DIR}/test-store/runs.db")
endfunction()
