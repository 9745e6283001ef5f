# ctest adoption/kernel-adapter (kernel/adapter/tests/CMakeLists.txt): install this build, build a kernel
# file through find_package(ptcheck) + ptcheck_add_kernel_target in a project of its own, and run the
# adapter's scripts against it with the installed ptcheck.
# -DBUILD_DIR -DCONSUMER -DWORK -DGENERATOR -DC_COMPILER -DCXX_COMPILER -DSCRIPTS -DINSTRUMENTED (whether
# the build has the access instrumentation plugin: then the consumer's kernel file must be compiled with it)
include(${CMAKE_CURRENT_LIST_DIR}/../../../cmake/adoption_step.cmake)

file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
step("cmake --install ${BUILD_DIR} --prefix ${prefix}" ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
foreach(f include/ptcheck/linux/io-pgtable.h share/ptcheck/kernel/adapter/io_pgtable_adapter.c
          share/ptcheck/kernel/runtime/ptc_kernel_runtime.c)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "adoption: the install has no ${f}")
  endif()
endforeach()
step("configure the consumer project"
     ${CMAKE_COMMAND} -G ${GENERATOR} -S ${CONSUMER} -B ${WORK}/build -DCMAKE_PREFIX_PATH=${prefix}
     -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
if(INSTRUMENTED AND out MATCHES "NOT instrumented")
  message(FATAL_ERROR "adoption: the installed package did not instrument the kernel file:\n${out}")
endif()
# The unit the installed ptcheck.cmake generated: the file, then the installed adapter.
file(READ ${WORK}/build/tiny_kernel_tu.c tu)
if(NOT tu MATCHES "io-pgtable-tiny.c\"\n#include \"${prefix}/share/ptcheck/kernel/adapter/io_pgtable_adapter.c\"")
  message(FATAL_ERROR "adoption: tiny_kernel_tu.c does not include the file, then the installed adapter:\n${tu}")
endif()
step("build it" ${CMAKE_COMMAND} --build ${WORK}/build)
file(GLOB scripts ${SCRIPTS}/*.ops)
step("ptcheck run of the adapter's scripts" ${prefix}/bin/ptcheck run ${scripts} --target ${WORK}/build/libtiny.so)
