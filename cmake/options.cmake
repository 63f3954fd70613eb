# Guichet build options. Each option's value is checked and printed.
option(GUICHET_BUILD_TESTS "Build the test suite" ON)
option(GUICHET_BUILD_APPS "Build the kiosk and counter apps (SDL2 + Dear ImGui)" ON)
option(GUICHET_BUILD_BENCH "Build the benchmarks under bench/" ON)
option(GUICHET_WERROR "Treat compiler warnings as errors" OFF)
set(GUICHET_SANITIZE "" CACHE STRING "Sanitizers to build with: empty, or address,undefined")

set(_allowed_sanitizers "" "address" "undefined" "address,undefined")
if(NOT GUICHET_SANITIZE IN_LIST _allowed_sanitizers)
  message(FATAL_ERROR "GUICHET_SANITIZE must be one of: (empty), address, undefined, address,undefined — got '${GUICHET_SANITIZE}'")
endif()

foreach(opt GUICHET_BUILD_TESTS GUICHET_BUILD_APPS GUICHET_BUILD_BENCH GUICHET_WERROR GUICHET_SANITIZE)
  message(STATUS "${opt}: ${${opt}}")
endforeach()

# Warnings for every Guichet target (attached per target through guichet_target_defaults).
add_library(guichet_warnings INTERFACE)
target_compile_options(guichet_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor)
if(GUICHET_WERROR)
  target_compile_options(guichet_warnings INTERFACE -Werror)
endif()
# GCC 12 at -O3 (Release) reports impossible overlapping copies inside std::string's own
# concatenation (GCC bug 105329): that one warning is off for Release builds.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
  target_compile_options(guichet_warnings INTERFACE $<$<CONFIG:Release>:-Wno-restrict>)
endif()

if(GUICHET_SANITIZE)
  add_compile_options(-fsanitize=${GUICHET_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${GUICHET_SANITIZE})
endif()

# Every Guichet target: C++20 and the project's warnings.
function(guichet_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_link_libraries(${target} PRIVATE guichet_warnings)
endfunction()

# Optimised builds: the programs' relative relocations are packed (RELR, binutils 2.38 and glibc
# 2.36): the dynamic loader reads and writes fewer pages when a program starts.
if(NOT GUICHET_SANITIZE)
  add_link_options($<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:LINKER:-z,pack-relative-relocs>
                   $<$<CONFIG:Release,RelWithDebInfo,MinSizeRel>:LINKER:-O1>)
endif()
