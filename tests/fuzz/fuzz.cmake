# libFuzzer targets, one per parser: tests/fuzz/fuzz_<name>.c, seeded from
# tests/fuzz/corpus/<name>/. Built with clang only, with the library itself
# instrumented for coverage and the sanitizers.
if(NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "PCA_FUZZ needs clang (configure with CC=clang)")
endif()

target_compile_options(pca PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
target_link_options(pca PUBLIC -fsanitize=address,undefined)

file(GLOB PCA_FUZZ_TARGETS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/fuzz/fuzz_*.c)
foreach(src ${PCA_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_compile_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_options(${name} PRIVATE -fsanitize=fuzzer,address,undefined)
  target_link_libraries(${name} PRIVATE pca)
endforeach()
