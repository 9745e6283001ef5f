#!/bin/bash -eu
# Builds this project's ptcheck fuzzer, run by OSS-Fuzz / ClusterFuzzLite as $SRC/build.sh in the image of
# Dockerfile with their build environment (CC, CXX, CFLAGS, CXXFLAGS, LIB_FUZZING_ENGINE, OUT, WORK, SRC).
# ptcheck's tools/oss_fuzz_build.sh builds ptcheck's harness with those flags, then this project with
# -DPTCHECK_OSS_FUZZ=ON: $OUT/fuzz_ops (the table linked in, compiled with the sanitizer and coverage
# flags), fuzz_ops_seed_corpus.zip, fuzz_ops.dict, fuzz_ops.options.
# The Dockerfile puts this project in $SRC/project and ptcheck in $SRC/ptcheck.
"$SRC/ptcheck/tools/oss_fuzz_build.sh" "$SRC/project"
