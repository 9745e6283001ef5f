# The installable ptcheck package (`cmake --install BUILD --prefix P`), used by
# `find_package(ptcheck)` from P (cmake/ptcheckConfig.cmake.in, cmake/ptcheck.cmake):
#   P/bin/ptcheck                              the CLI
#   P/include/ptcheck/*.h                      the target ABI and the kernel shim
#   P/include/ptcheck/{linux,asm}/*.h          the kernel include tree (ptcheck_add_kernel_target)
#   P/share/ptcheck/kernel/{runtime,adapter}/  the kernel runtime and the callers, compiled into each kernel target
#   P/lib/ptcheck/libptc_access_instrument.so  the access instrumentation plugin (kernel/instrument), when built
#   P/share/ptcheck/corpora/                   scenarios, regressions, oracle scripts, fuzz seeds
#   P/lib/ptcheck/libptc_*.a                   the fuzz_ops harness, for libFuzzer binaries of users' targets
#   P/lib/cmake/ptcheck/                       ptcheckConfig.cmake, ptcheckTargets.cmake, ptcheck.cmake,
#                                              ptcheck_oss_fuzz_seeds.cmake
# Everything but the CLI is in the default install component: `cmake --build B --target ptcheck_harness`
# then `cmake --install B --component Unspecified` installs what ptcheck_add_target's OSS-Fuzz fuzzers
# link, from a build that needs none of the CLI's dependencies (tools/oss_fuzz_build.sh); without the
# CLI, ptcheck_add_target registers no tests.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# fuzz_ops's LLVMFuzzerTestOneInput and custom mutator as a library: ptcheck_add_target links it with
# -fsanitize=fuzzer into a fuzz_ops for the user's target, with their compiler. It references
# LLVMFuzzerMutate, which only that link provides.
add_library(ptc_fuzz_ops_driver STATIC ${CMAKE_SOURCE_DIR}/fuzz/fuzz_ops.cpp ${CMAKE_SOURCE_DIR}/fuzz/feedback_target.cpp)
target_link_libraries(ptc_fuzz_ops_driver PUBLIC ptc_runner ptc_encoding ptc_lpae)
ptcheck_harness_coverage(ptc_fuzz_ops_driver)
# Whatever links the installed harness must link the sanitizer runtimes it was compiled with.
if(PTCHECK_SANITIZE)
  target_link_options(ptc_fuzz_ops_driver INTERFACE $<INSTALL_INTERFACE:-fsanitize=${PTCHECK_SANITIZE}>)
endif()

set(ptcheck_harness_libs ptc_fuzz_ops_driver ptc_runner ptc_encoding ptc_lpae ptc_reference ptc_smmu ptc_bitmap
    ptc_script ptc_vocab)
set(PTCHECK_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/ptcheck)
add_custom_target(ptcheck_harness)
add_dependencies(ptcheck_harness ${ptcheck_harness_libs} ${PTCHECK_ACCESS_PLUGIN_TARGET})

# Not exported (ptcheckConfig.cmake names the file): the harness alone must import without it. A build of
# the fuzzers alone may have no CLI at all (its dependencies are not in OSS-Fuzz's image).
if(TARGET ptcheck)
  install(TARGETS ptcheck RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
endif()
install(TARGETS ${ptcheck_harness_libs} EXPORT ptcheckTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}/ptcheck)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/include/ptcheck DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
# corpora/bad holds malformed scripts (tests of ptcheck itself): not data a user's check needs.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/corpora/scenarios ${CMAKE_SOURCE_DIR}/corpora/regressions
                  ${CMAKE_SOURCE_DIR}/corpora/oracles ${CMAKE_SOURCE_DIR}/corpora/fuzz ${CMAKE_SOURCE_DIR}/corpora/fail_sweep
        DESTINATION ${CMAKE_INSTALL_DATADIR}/ptcheck/corpora PATTERN "*.md" EXCLUDE)
# The kernel runtime and adapter, as sources: each kernel target compiles them with its own file.
foreach(dir runtime adapter)
  if(EXISTS ${CMAKE_SOURCE_DIR}/kernel/${dir})
    install(DIRECTORY ${CMAKE_SOURCE_DIR}/kernel/${dir} DESTINATION ${CMAKE_INSTALL_DATADIR}/ptcheck/kernel
            PATTERN tests EXCLUDE PATTERN CMakeLists.txt EXCLUDE PATTERN "*.md" EXCLUDE)
  endif()
endforeach()
install(EXPORT ptcheckTargets NAMESPACE ptcheck:: DESTINATION ${PTCHECK_INSTALL_CMAKEDIR})

# Whether the installed ptcheck has `properties` and `prove` (ptcheck_add_target registers only what exists).
set(PTCHECK_PACKAGE_HAS_PROPERTIES ${PTCHECK_BUILD_TESTS})
set(PTCHECK_PACKAGE_HAS_PROVE ${PTCHECK_PROOFS})
# The plugin's file name (kernel/instrument installs it to lib/ptcheck) and the compile options
# that go with it besides -fpass-plugin (the pass's hash, for ccache).
set(PTCHECK_PACKAGE_ACCESS_PLUGIN "")
set(PTCHECK_PACKAGE_ACCESS_DEFINES "")
if(PTCHECK_ACCESS_PLUGIN)
  get_filename_component(PTCHECK_PACKAGE_ACCESS_PLUGIN ${PTCHECK_ACCESS_PLUGIN} NAME)
  set(PTCHECK_PACKAGE_ACCESS_DEFINES ${PTCHECK_ACCESS_COMPILE_OPTIONS})
  list(FILTER PTCHECK_PACKAGE_ACCESS_DEFINES EXCLUDE REGEX "^-fpass-plugin=")
  list(JOIN PTCHECK_PACKAGE_ACCESS_DEFINES " " PTCHECK_PACKAGE_ACCESS_DEFINES)
endif()
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/ptcheckConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/cmake/ptcheckConfig.cmake
                              INSTALL_DESTINATION ${PTCHECK_INSTALL_CMAKEDIR}
                              PATH_VARS CMAKE_INSTALL_BINDIR CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_DATADIR
                                        CMAKE_INSTALL_LIBDIR)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/ptcheckConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/ptcheckConfig.cmake ${CMAKE_BINARY_DIR}/cmake/ptcheckConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/ptcheck.cmake ${CMAKE_SOURCE_DIR}/cmake/ptcheck_oss_fuzz_seeds.cmake
        DESTINATION ${PTCHECK_INSTALL_CMAKEDIR})
