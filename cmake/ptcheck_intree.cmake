# ptcheck_add_target / ptcheck_add_kernel_target inside this project's own build (examples/,
# kernel/adapter/tests/): what ptcheckConfig.cmake sets for an installed ptcheck, pointing into the
# source and build trees. Included after kernel/instrument and tools/ (PTCHECK_ACCESS_*, ptcheck).
set(PTCHECK_EXECUTABLE $<TARGET_FILE:ptcheck>)
set(PTCHECK_INCLUDE_DIR ${CMAKE_SOURCE_DIR}/include)
set(PTCHECK_KERNEL_INCLUDE_DIR ${CMAKE_SOURCE_DIR}/include/ptcheck)
set(PTCHECK_KERNEL_DIR ${CMAKE_SOURCE_DIR}/kernel)
set(PTCHECK_CORPORA_DIR ${CMAKE_SOURCE_DIR}/corpora)
set(PTCHECK_HAS_PROPERTIES ${PTCHECK_BUILD_TESTS})
set(PTCHECK_HAS_PROVE ${PTCHECK_PROOFS})
# Defined later, by cmake/ptcheck_package.cmake; a link item is resolved when the build is generated.
set(PTCHECK_FUZZ_OPS_DRIVER ptc_fuzz_ops_driver)
if(NOT TARGET ptcheck::headers)
  add_library(ptcheck::headers INTERFACE IMPORTED)
  set_target_properties(ptcheck::headers PROPERTIES INTERFACE_INCLUDE_DIRECTORIES ${CMAKE_SOURCE_DIR}/include)
endif()
include(${CMAKE_SOURCE_DIR}/cmake/ptcheck.cmake)
