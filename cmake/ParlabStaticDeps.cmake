# parlab_link_deps_statically(TARGET target LIBRARIES lib... ARCHIVES name...)
#
# Links an executable against the static archives (lib<name>.a) of its third-party
# dependencies instead of their shared objects. For parlab-runner: a process model fork()s the
# runner, and fork() copies every mapping of the parent — with protobuf, Abseil and GMP as
# shared objects the runner mapped ~190 areas against ~45 for a bare fork() loop, a large part
# of why a process cost it twice a bare fork() (docs/performance.md, "Creation cost").
#
# LIBRARIES (parlab's own static libraries) and the archives go into one rescanned link group,
# so every symbol they need is taken from an archive before the linker reaches the shared
# objects that the imported targets (absl::*, protobuf::libprotobuf, gRPC) still put on the
# line; --as-needed then drops those shared objects from DT_NEEDED. A name may be a glob
# ("absl_*"): only the archive members something references are linked.
#
# Returns (in PARLAB_STATIC_DEPS_OK, in the caller's scope) FALSE, and links LIBRARIES as usual,
# when an archive is missing, so a system without the .a files still builds.
function(parlab_link_deps_statically)
  cmake_parse_arguments(ARG "" "TARGET" "LIBRARIES;ARCHIVES" ${ARGN})
  set(archives "")
  set(missing "")
  foreach(name IN LISTS ARG_ARCHIVES)
    set(found "")
    foreach(dir IN LISTS CMAKE_C_IMPLICIT_LINK_DIRECTORIES
                /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE} /usr/local/lib)
      file(GLOB found ${dir}/lib${name}.a)
      if(found)
        break()
      endif()
    endforeach()
    if(found)
      list(SORT found)
      list(APPEND archives ${found})
    else()
      list(APPEND missing ${name})
    endif()
  endforeach()
  if(missing)
    message(STATUS "${ARG_TARGET}: no static archive for ${missing}; linking shared objects")
    target_link_libraries(${ARG_TARGET} PRIVATE ${ARG_LIBRARIES})
    set(PARLAB_STATIC_DEPS_OK FALSE PARENT_SCOPE)
    return()
  endif()
  string(JOIN "," group ${ARG_LIBRARIES} ${archives})
  target_link_libraries(${ARG_TARGET} PRIVATE "$<LINK_GROUP:RESCAN,${group}>")
  target_link_options(${ARG_TARGET} PRIVATE -Wl,--as-needed)
  set(PARLAB_STATIC_DEPS_OK TRUE PARENT_SCOPE)
endfunction()
