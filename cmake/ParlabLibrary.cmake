# parlab_add_library(NAME SOURCES src... [PUBLIC deps...] [PRIVATE deps...])
#
# One static library per folder: target parlab_NAME, alias parlab::NAME, the folder's include/
# as its public headers. Each folder links only the layers below it, so a file that includes a
# header of a higher layer does not compile: the link graph is what keeps dependencies pointing
# one way (docs/architecture.md).
function(parlab_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  add_library(parlab_${name} STATIC ${ARG_SOURCES})
  add_library(parlab::${name} ALIAS parlab_${name})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_include_directories(parlab_${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  endif()
  target_link_libraries(parlab_${name} PUBLIC ${ARG_PUBLIC} PRIVATE ${ARG_PRIVATE})
endfunction()
