# cmake -P: what OSS-Fuzz and ClusterFuzzLite take from beside a fuzzer (a post-build step of
# ptcheck_add_target's OSS-Fuzz fuzzer, cmake/ptcheck.cmake; .clusterfuzzlite/build.sh for ptcheck's own):
#   OUT/FUZZER_seed_corpus.zip  every file of SEED_DIRS, flattened: a name is prefixed with its folder's,
#                               so that none collides; README.md and .gitkeep left out
#   OUT/FUZZER.dict             FUZZ_DIR/FROM.dict
#   OUT/FUZZER.options          FUZZ_DIR/FROM.options, its dictionary renamed to FUZZER.dict
# -DFUZZER -DFROM (the ptcheck fuzzer it is built from: fuzz_ops, fuzz_bitmap, fuzz_script) -DOUT -DFUZZ_DIR -DSTAGE (a scratch folder) -DSEED_DIRS (folders separated by |). CMake
# writes the zip itself: no zip program is needed.
string(REPLACE "|" ";" SEED_DIRS "${SEED_DIRS}")
file(REMOVE_RECURSE ${STAGE})
file(MAKE_DIRECTORY ${STAGE})
set(names "")
foreach(dir IN LISTS SEED_DIRS)
  if(NOT IS_DIRECTORY ${dir})
    message(FATAL_ERROR "ptcheck_oss_fuzz_seeds: no seed folder ${dir}")
  endif()
  get_filename_component(prefix ${dir} NAME)
  file(GLOB_RECURSE files RELATIVE ${dir} ${dir}/*)
  foreach(rel IN LISTS files)
    get_filename_component(base ${rel} NAME)
    if(base STREQUAL "README.md" OR base STREQUAL ".gitkeep")
      continue()
    endif()
    string(REPLACE "/" "_" flat "${prefix}_${rel}")
    configure_file(${dir}/${rel} ${STAGE}/${flat} COPYONLY)
    list(APPEND names ${flat})
  endforeach()
endforeach()
list(LENGTH names count)
if(count EQUAL 0)
  message(FATAL_ERROR "ptcheck_oss_fuzz_seeds: no seeds in ${SEED_DIRS}")
endif()
list(SORT names)
list(JOIN names "\n" listing)
file(WRITE ${STAGE}.list "${listing}\n")
file(REMOVE ${OUT}/${FUZZER}_seed_corpus.zip)
execute_process(COMMAND ${CMAKE_COMMAND} -E tar cf ${OUT}/${FUZZER}_seed_corpus.zip --format=zip
                        --files-from=${STAGE}.list
                WORKING_DIRECTORY ${STAGE} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ptcheck_oss_fuzz_seeds: writing ${OUT}/${FUZZER}_seed_corpus.zip failed (${rc})")
endif()
file(REMOVE_RECURSE ${STAGE})
file(REMOVE ${STAGE}.list)

foreach(f ${FROM}.dict ${FROM}.options)
  if(NOT EXISTS ${FUZZ_DIR}/${f})
    message(FATAL_ERROR "ptcheck_oss_fuzz_seeds: no ${FUZZ_DIR}/${f}")
  endif()
endforeach()
configure_file(${FUZZ_DIR}/${FROM}.dict ${OUT}/${FUZZER}.dict COPYONLY)
file(READ ${FUZZ_DIR}/${FROM}.options options)
string(REGEX REPLACE "(dict[ \t]*=[ \t]*)${FROM}\\.dict" "\\1${FUZZER}.dict" options "${options}")
file(WRITE ${OUT}/${FUZZER}.options "${options}")
message(STATUS "ptcheck: ${OUT}/${FUZZER}: ${count} seeds, ${FUZZER}.dict, ${FUZZER}.options")
