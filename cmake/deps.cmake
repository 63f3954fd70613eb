# Third-party dependencies, all from Debian 12 packages (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CURL REQUIRED)
find_package(PNG REQUIRED)
find_package(Freetype REQUIRED)
find_package(ZXing REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
# simdjson parses the sync path's large batches without building a tree (docs/sync.md).
find_package(simdjson 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(Boost 1.81 REQUIRED)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# Document scanners: SANE's frontend library (libsane-dev).
pkg_check_modules(SANE REQUIRED IMPORTED_TARGET sane-backends)
find_package(tomlplusplus REQUIRED)
if(GUICHET_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(GUICHET_BUILD_APPS)
  find_package(SDL2 REQUIRED)
  find_package(OpenGL REQUIRED)
  pkg_check_modules(ESPEAK REQUIRED IMPORTED_TARGET espeak-ng)
  # Debian's libimgui-dev ships libimgui.a with the SDL2 platform and OpenGL3 renderer backends.
  find_path(IMGUI_INCLUDE_DIR imgui.h PATH_SUFFIXES imgui REQUIRED)
  find_library(IMGUI_LIBRARY imgui REQUIRED)
  add_library(imgui::imgui UNKNOWN IMPORTED)
  set_target_properties(imgui::imgui PROPERTIES
    IMPORTED_LOCATION "${IMGUI_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${IMGUI_INCLUDE_DIR}")
  target_link_libraries(imgui::imgui INTERFACE SDL2::SDL2 OpenGL::GL ${CMAKE_DL_LIBS})
endif()
