# parlab_add_model(NAME SOURCES src... [OUTPUT_DIR dir] [LIBRARIES lib...])
#
# Builds a model plugin: a MODULE library named NAME.so (no "lib" prefix) whose only dynamic
# symbol is `parlab_model_entry`. -fvisibility=hidden alone still exports template
# instantiations from system headers (std::, boost::asio) as weak symbols, which could bind to
# another module's copies; the linker version script closes that (model_conformance_test
# checks it with nm).
#
# The same file serves parlab's own tree and, installed in <prefix>/lib/cmake/parlab, out-of-tree
# models (find_package(parlab) includes it). The plugin lands in OUTPUT_DIR, else in
# ${PARLAB_PLUGIN_OUTPUT_DIR} (parlab's tree: build/lib/parlab/plugins; an out-of-tree project:
# <its build dir>/plugins, set by parlabConfig.cmake).
function(parlab_add_model name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "parlab_add_model(${name}): SOURCES is required")
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${PARLAB_PLUGIN_OUTPUT_DIR})
  endif()
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
  endif()
  # Found relative to this file, so a function called from any directory of the project works.
  set(exports_map ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/parlab_model_exports.map)
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${name} PRIVATE parlab::abi Threads::Threads ${ARG_LIBRARIES})
  # --no-undefined: a symbol that neither the plugin nor its libraries define fails the link
  # here, not the dlopen in a runner. Not in a clang sanitizer build (scripts/sanitize.sh):
  # clang links the sanitizer runtime into executables only, and the runner exports it to the
  # plugins it loads.
  set(no_undefined -Wl,--no-undefined)
  if(PARLAB_SANITIZE AND CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    set(no_undefined "")
  endif()
  target_link_options(${name} PRIVATE ${no_undefined} -Wl,--version-script=${exports_map})
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${exports_map})
endfunction()
