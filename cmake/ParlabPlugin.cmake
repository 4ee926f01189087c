# parlab_add_model(NAME SOURCES src... [OUTPUT_DIR dir] [LIBRARIES lib...])
#
# Builds a model plugin: a MODULE library named NAME.so (no "lib" prefix) whose only dynamic
# symbol is `parlab_model_entry`. -fvisibility=hidden alone still exports template
# instantiations from system headers (std::, boost::asio) as weak symbols, which could bind to
# another module's copies; the linker version script closes that (model_conformance_test
# checks it with nm).
set(PARLAB_MODEL_EXPORTS_MAP ${CMAKE_CURRENT_LIST_DIR}/parlab_model_exports.map)

function(parlab_add_model name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_OUTPUT_DIR)
    set(ARG_OUTPUT_DIR ${PARLAB_PLUGIN_OUTPUT_DIR})
  endif()
  add_library(${name} MODULE ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME ${name}
    LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIR}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_libraries(${name} PRIVATE parlab::abi Threads::Threads ${ARG_LIBRARIES})
  target_link_options(${name} PRIVATE -Wl,--no-undefined
    -Wl,--version-script=${PARLAB_MODEL_EXPORTS_MAP})
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${PARLAB_MODEL_EXPORTS_MAP})
endfunction()
