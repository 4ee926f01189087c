# `cmake --install build --prefix P` lays parlab out as its binaries expect (they find the
# runner, the worker and the plugins relative to their own directory):
#   P/bin/{parlab,parlab-worker,parlab-runner,parlab-coordinator}
#   P/lib/parlab/plugins/<model>.so          (built-in models; test-only plugins are not installed)
#   P/include/parlab/model_abi.h             (the plugin ABI)
#   P/lib/cmake/parlab/                      (find_package(parlab): parlab_add_model for out-of-tree models)
# The install() rules of the targets sit next to their definitions; this file holds the
# destinations and the CMake package. Plain "lib", not GNUInstallDirs' multiarch libdir: the
# binaries look for ../lib/parlab/plugins.
include(CMakePackageConfigHelpers)

set(PARLAB_INSTALL_BINDIR bin)
set(PARLAB_INSTALL_INCLUDEDIR include)
set(PARLAB_INSTALL_PLUGINDIR lib/parlab/plugins)
set(PARLAB_INSTALL_CMAKEDIR lib/cmake/parlab)

# The ABI version the installed header declares, so a project can check it at configure time.
file(STRINGS ${PROJECT_SOURCE_DIR}/plugins/abi/include/parlab/model_abi.h abi_line
     REGEX "^#define PARLAB_ABI_VERSION [0-9]+u?$")
string(REGEX MATCH "[0-9]+" PARLAB_ABI_VERSION "${abi_line}")

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/parlabConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/parlabConfig.cmake
  INSTALL_DESTINATION ${PARLAB_INSTALL_CMAKEDIR}
  PATH_VARS PARLAB_INSTALL_INCLUDEDIR PARLAB_INSTALL_PLUGINDIR PARLAB_INSTALL_BINDIR)
# 0.x: a minor release may change the SDK, so only the same minor version is compatible.
write_basic_package_version_file(
  ${CMAKE_BINARY_DIR}/cmake/parlabConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${CMAKE_BINARY_DIR}/cmake/parlabConfig.cmake
  ${CMAKE_BINARY_DIR}/cmake/parlabConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/ParlabPlugin.cmake
  ${CMAKE_CURRENT_LIST_DIR}/parlab_model_exports.map
  DESTINATION ${PARLAB_INSTALL_CMAKEDIR})
