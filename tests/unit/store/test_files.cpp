// write_file_atomically: the file appears whole with the asked mode, replaces an older one, and
// leaves nothing behind when it cannot be written.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "guichet/store/files.hpp"
#include "guichet/testing/process.hpp"

namespace guichet::store {
namespace {

std::string read_all(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WriteFileAtomically, WritesTheContentWithTheModeAndReplacesAnOlderFile) {
  testing::TempDir dir{"guichet-files"};
  const auto path = dir / "device.secret";
  ASSERT_TRUE(write_file_atomically(path, "first\n", 0600));
  ASSERT_TRUE(write_file_atomically(path, "second\n", 0600));
  EXPECT_EQ(read_all(path), "second\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(std::filesystem::exists(dir / "device.secret.tmp"));
}

TEST(WriteFileAtomically, AMissingDirectoryIsAFailureAndLeavesNothing) {
  testing::TempDir dir{"guichet-files"};
  const auto path = dir / "no-such-dir" / "port";
  EXPECT_FALSE(write_file_atomically(path, "8080\n"));
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_FALSE(std::filesystem::exists(dir / "no-such-dir"));
}

}  // namespace
}  // namespace guichet::store
