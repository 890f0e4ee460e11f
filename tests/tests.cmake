# Test registration. Files are found by name so that adding a test never
# means editing this file:
#   tests/unit/<dir>/test_<name>.c   one C program each, label "unit"
#   tests/integration/test_<label>_<name>.py   label from the file name
#                                    (aws, kube, e2e, integration)
#   tests/bench/bench_<name>.c|.py   label "bench", run by ./build.sh bench

find_package(Python3 REQUIRED COMPONENTS Interpreter)

get_filename_component(PCA_SHARED_TESTDATA
  ${CMAKE_CURRENT_SOURCE_DIR}/../shared/testdata ABSOLUTE)
if(DEFINED ENV{PCA_SHARED_TESTDATA})
  set(PCA_SHARED_TESTDATA $ENV{PCA_SHARED_TESTDATA})
endif()

set(PCA_TEST_ENV
  "PCA_SOURCE_DIR=${CMAKE_CURRENT_SOURCE_DIR}"
  "PCA_BUILD_DIR=${CMAKE_CURRENT_BINARY_DIR}"
  "PCA_SHARED_TESTDATA=${PCA_SHARED_TESTDATA}"
  "PCA_ISSUER_BIN=$<TARGET_FILE:pca-issuer>"
  "PYTHONDONTWRITEBYTECODE=1"
  "PYTHONPATH=${CMAKE_CURRENT_SOURCE_DIR}/tests/lib")

file(GLOB_RECURSE PCA_UNIT_TESTS CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit/*/test_*.c)
foreach(src ${PCA_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  get_filename_component(dir ${src} DIRECTORY)
  get_filename_component(dir ${dir} NAME)
  set(target unit_${dir}_${name})
  add_executable(${target} ${src})
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit)
  target_compile_options(${target} PRIVATE ${PCA_WARNINGS} -Wno-missing-prototypes)
  target_link_libraries(${target} PRIVATE pca)
  add_test(NAME unit/${dir}/${name} COMMAND ${target})
  set_tests_properties(unit/${dir}/${name} PROPERTIES
    LABELS unit TIMEOUT 120 ENVIRONMENT "${PCA_TEST_ENV}")
endforeach()

file(GLOB PCA_PY_TESTS CONFIGURE_DEPENDS
  ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/test_*.py)
foreach(src ${PCA_PY_TESTS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^test_([a-z0-9]+)_.*$" "\\1" label ${name})
  add_test(NAME ${label}/${name} COMMAND ${Python3_EXECUTABLE} ${src} -v)
  set(timeout 600)
  if(label STREQUAL "e2e" OR label STREQUAL "kube")
    set(timeout 1800)
  endif()
  set_tests_properties(${label}/${name} PROPERTIES
    LABELS ${label} TIMEOUT ${timeout} ENVIRONMENT "${PCA_TEST_ENV}"
    RESOURCE_LOCK ${label})
endforeach()

file(GLOB PCA_BENCH_C CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/bench/bench_*.c)
foreach(src ${PCA_BENCH_C})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_compile_options(${name} PRIVATE ${PCA_WARNINGS} -Wno-missing-prototypes)
  # The controller benchmark drives the controllers through the unit tests' seam.
  target_include_directories(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/tests/unit)
  target_link_libraries(${name} PRIVATE pca)
  add_test(NAME bench/${name} COMMAND ${name})
  set_tests_properties(bench/${name} PROPERTIES
    LABELS bench TIMEOUT 1800 ENVIRONMENT "${PCA_TEST_ENV}" RUN_SERIAL TRUE)
endforeach()

file(GLOB PCA_BENCH_PY CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/bench/bench_*.py)
foreach(src ${PCA_BENCH_PY})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME bench/${name} COMMAND ${Python3_EXECUTABLE} ${src})
  set_tests_properties(bench/${name} PROPERTIES
    LABELS bench TIMEOUT 1800 ENVIRONMENT "${PCA_TEST_ENV}" RUN_SERIAL TRUE)
endforeach()

# Small C programs that Python integration tests drive: each
# tests/integration/drivers/drv_<name>.c becomes build/drivers/drv_<name>.
file(GLOB PCA_DRIVERS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/tests/integration/drivers/drv_*.c)
foreach(src ${PCA_DRIVERS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/drivers)
  target_compile_options(${name} PRIVATE ${PCA_WARNINGS} -Wno-missing-prototypes)
  target_link_libraries(${name} PRIVATE pca)
endforeach()
