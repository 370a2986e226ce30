# Shared build settings and helper functions for every wellknown target.

add_library(wk_warnings INTERFACE)
target_compile_options(wk_warnings INTERFACE -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local>
                                             -Wnon-virtual-dtor -Wno-missing-field-initializers)
if(WK_WERROR)
  target_compile_options(wk_warnings INTERFACE -Werror)
endif()
target_compile_definitions(wk_warnings INTERFACE BOOST_ASIO_NO_DEPRECATED
                                                 BOOST_ASIO_DISABLE_BOOST_COROUTINE)

if(WK_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# wk_add_fuzzer(NAME SOURCES src... LIBS lib... CORPUS dir)
#
# With WK_FUZZ (clang), NAME is a libFuzzer binary. Otherwise NAME is linked with a
# small driver that replays files, and ctest replays CORPUS through it, so every
# build checks that no seed (and no crash reproducer added to the corpus) regresses.
function(wk_add_fuzzer name)
  cmake_parse_arguments(F "" "CORPUS" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${F_SOURCES})
  target_link_libraries(${name} PRIVATE ${F_LIBS} wk_warnings)
  if(WK_FUZZ)
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
  else()
    target_link_libraries(${name} PRIVATE wk_fuzz_replay)
  endif()
  if(F_CORPUS)
    add_test(NAME fuzz_corpus.${name} COMMAND ${name} ${F_CORPUS})
    set_tests_properties(fuzz_corpus.${name} PROPERTIES LABELS fuzz)
  endif()
endfunction()

# wk_add_gtest(NAME SOURCES src... LIBS lib...): one GoogleTest binary, each test
# registered with ctest.
include(GoogleTest)
function(wk_add_gtest name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} GTest::gtest GTest::gmock GTest::gtest_main
                                        wk_warnings)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS unit)
endfunction()

# wk_add_pytest(NAME FILE [LABELS l...] [TIMEOUT s]): an integration test run by
# /usr/bin/python3 -m pytest (Debian's python3-pytest), with WK_BIN pointing at the built
# binaries and the harness (tests/harness/wkharness.py) importable.
function(wk_add_pytest name file)
  cmake_parse_arguments(P "" "TIMEOUT" "LABELS" ${ARGN})
  if(NOT P_TIMEOUT)
    set(P_TIMEOUT 300)
  endif()
  add_test(NAME ${name}
           COMMAND /usr/bin/python3 -m pytest -q -p no:cacheprovider ${file}
           WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${P_TIMEOUT}
    LABELS "integration;${P_LABELS}"
    ENVIRONMENT "WK_BIN=${CMAKE_BINARY_DIR}/bin;WK_SOURCE=${CMAKE_SOURCE_DIR};PYTHONPATH=${CMAKE_SOURCE_DIR}/tests/harness;PYTHONDONTWRITEBYTECODE=1")
endfunction()
