# `cmake -P fuzz/print_targets.cmake` prints the fuzz targets of targets.cmake, ';'-separated
# (scripts/fuzz.sh reads the list as CMake builds it: it spans lines and is appended to).
include(${CMAKE_CURRENT_LIST_DIR}/targets.cmake)
message("${LM_FUZZ_TARGETS}")
