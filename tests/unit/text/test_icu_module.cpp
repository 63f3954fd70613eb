// The locale formats load ICU (through libguichet_text_icu.so) the first time something is
// formatted, not when a program starts: this program has formatted nothing before the test. The
// module is found beside the running program too, so a copied build or a moved install works.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "guichet/text/locale_format.hpp"

namespace guichet::text {
namespace {

namespace fs = std::filesystem;

bool mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    if (line.find(name) != std::string::npos) return true;
  }
  return false;
}

// The file the module was loaded from, as /proc/self/maps names it; "" when it is not loaded.
std::string mapped_module() {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const auto at = line.find('/');
    if (at != std::string::npos && line.find("libguichet_text_icu") != std::string::npos) return line.substr(at);
  }
  return {};
}

TEST(LocaleModule, IcuIsLoadedOnTheFirstFormatOnly) {
  EXPECT_FALSE(mapped("libicui18n")) << "ICU was loaded before anything was formatted";
  EXPECT_FALSE(mapped("libguichet_text_icu"));
  EXPECT_EQ(format_integer("hi", 1234567), "12,34,567");
  EXPECT_TRUE(mapped("libguichet_text_icu"));
  EXPECT_TRUE(mapped("libicui18n"));
  EXPECT_EQ(format_money("fr", 10000000), "100\u202F000,00\u00A0\u20B9");
  EXPECT_EQ(format_date_time("en", 2026, 11, 21, 9, 4), "21 November 2026 09:04");
}

TEST(LocaleModule, TheVariableComesFirstThenThePlacesBesideTheProgram) {
  const auto got = locale_module_candidates("/opt/x/icu.so", {"/srv/guichet/bin", "", "/srv/guichet/bin"});
  ASSERT_GE(got.size(), 5u);
  EXPECT_EQ(got[0], "/opt/x/icu.so");
  EXPECT_EQ(got[1], "/srv/guichet/bin/libguichet_text_icu.so");
  EXPECT_EQ(got[2], "/srv/guichet/bin/../lib/guichet/libguichet_text_icu.so");
  EXPECT_EQ(got[3], "/srv/guichet/bin/../lib/libguichet_text_icu.so");
  // Then the paths baked in at build time (the build tree, the install prefix), once each.
  EXPECT_LE(got.size(), 6u);
  for (std::size_t i = 4; i < got.size(); ++i) {
    EXPECT_NE(got[i].find("libguichet_text_icu.so"), std::string::npos) << got[i];
    EXPECT_EQ(got[i].rfind("/srv/", 0), std::string::npos) << got[i];
  }
  // Without the variable the program's places come first.
  EXPECT_EQ(locale_module_candidates(nullptr, {"/a"}).front(), "/a/libguichet_text_icu.so");
  EXPECT_EQ(locale_module_candidates("", {"/a"}).front(), "/a/libguichet_text_icu.so");
}

TEST(LocaleModule, ThisProcessLooksBesideItsOwnProgram) {
  const std::string exe = fs::read_symlink("/proc/self/exe").string();
  const std::string dir = exe.substr(0, exe.rfind('/'));
  const auto got = locale_module_candidates();
  ASSERT_FALSE(got.empty());
  const char* env = std::getenv("GUICHET_TEXT_ICU_MODULE");
  const std::size_t first = env && *env ? 1 : 0;
  ASSERT_GT(got.size(), first);
  EXPECT_EQ(got[first], dir + "/libguichet_text_icu.so");
}

// A copy of this program that CopiedPrograms below runs with GUICHET_ICU_MODULE_PROBE set formats
// a number, prints it and the file the module was loaded from, and exits before any test runs.
[[maybe_unused]] const int kProbe = [] {
  if (std::getenv("GUICHET_ICU_MODULE_PROBE") == nullptr) return 0;
  const std::string formatted = format_integer("hi", 1234567);
  std::printf("formatted %s\nmodule %s\n", formatted.c_str(), mapped_module().c_str());
  std::fflush(stdout);
  std::_Exit(0);
}();

// The module as built: the first baked-in candidate that exists.
fs::path built_module() {
  for (const auto& c : locale_module_candidates(nullptr, {})) {
    if (fs::exists(c)) return c;
  }
  return {};
}

class CopiedPrograms : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("guichet-icu-module-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    module_ = built_module();
    ASSERT_FALSE(module_.empty()) << "the ICU module was not built";
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Copies this program to `program` and the module to `module`, runs the copy as a probe without
  // GUICHET_TEXT_ICU_MODULE, and expects it to have formatted with the copied module.
  void run_copy(const fs::path& program, const fs::path& module) {
    fs::create_directories(program.parent_path());
    fs::create_directories(module.parent_path());
    fs::copy_file("/proc/self/exe", program);
    fs::copy_file(module_, module);
    const fs::path log = dir_ / "log.txt";
    const std::string command = "env -u GUICHET_TEXT_ICU_MODULE GUICHET_ICU_MODULE_PROBE=1 '" + program.string() +
                                "' > '" + log.string() + "' 2>&1";
    const int status = std::system(command.c_str());
    std::ifstream in(log);
    std::stringstream out;
    out << in.rdbuf();
    EXPECT_EQ(status, 0) << out.str();
    EXPECT_NE(out.str().find("formatted 12,34,567\n"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find("module " + fs::canonical(module).string() + "\n"), std::string::npos)
        << "the copy did not load the module beside it: " << out.str();
  }

  fs::path dir_, module_;
};

TEST_F(CopiedPrograms, AProgramCopiedWithItsModuleFindsIt) {
  run_copy(dir_ / "copy" / "guichet-program", dir_ / "copy" / "libguichet_text_icu.so");
}

TEST_F(CopiedPrograms, AnInstallMovedToAnotherPrefixFindsItsModule) {
  run_copy(dir_ / "bin" / "guichet-program", dir_ / "lib" / "guichet" / "libguichet_text_icu.so");
}

}  // namespace
}  // namespace guichet::text
