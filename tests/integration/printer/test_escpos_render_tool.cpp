// guichet-escpos-render as a program: job file in, PNG out, warnings on stderr.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "../../unit/hardware/receipt_test_support.hpp"
#include "guichet/hardware/receipts/token_slip.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using namespace guichet::hardware;

struct ToolRun {
  int status = -1;
  std::string out;
  std::string err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

ToolRun run_tool(const fs::path& dir, std::vector<std::string> args) {
  args.insert(args.begin(), GUICHET_ESCPOS_RENDER);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = (dir / "stdout.txt").string();
  const std::string err = (dir / "stderr.txt").string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = 0;
  ToolRun run;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) == 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  run.out = slurp(out);
  run.err = slurp(err);
  return run;
}

fs::path fresh_dir(const std::string& name) {
  const fs::path dir = guichet::test::output_dir() / "render-tool" / name;
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(EscposRenderTool, RendersAJobFileToPng) {
  const fs::path dir = fresh_dir("slip");
  auto job = receipts::encode_token_slip(guichet::test::sample_slip(receipts::kPaper58mm, true));
  ASSERT_TRUE(job.ok());
  guichet::test::write_bytes(dir / "slip.bin", job.value());
  const ToolRun run = run_tool(dir, {(dir / "slip.bin").string(), "--paper-width", "384"});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("1 page(s), 1 cut(s), 0 warning(s)"), std::string::npos) << run.out;
  auto png = escpos_render::read_png(dir / "slip.png");
  ASSERT_TRUE(png.ok()) << png.error().message;
  EXPECT_EQ(png->width, 384);
  EXPECT_EQ(guichet::test::decode_qr(png.value()), "LDH01-20261123-A042");
}

TEST(EscposRenderTool, ReportsUnknownCommandsAndFailsInStrictMode) {
  const fs::path dir = fresh_dir("unknown");
  guichet::test::write_bytes(dir / "odd.bin", {0x1B, 0x40, 0x1B, 0x7F, 'x', 0x0A, 0x1D, 0x56, 0x01});
  const ToolRun lenient = run_tool(dir, {(dir / "odd.bin").string(), "-o", (dir / "odd-page.png").string()});
  EXPECT_EQ(lenient.status, 0);
  EXPECT_NE(lenient.err.find("offset 2: unknown command ESC 0x7F"), std::string::npos) << lenient.err;
  EXPECT_TRUE(fs::exists(dir / "odd-page.png"));
  const ToolRun strict = run_tool(dir, {(dir / "odd.bin").string(), "--strict"});
  EXPECT_EQ(strict.status, 3);
}

TEST(EscposRenderTool, EachCutGetsItsOwnFile) {
  const fs::path dir = fresh_dir("pages");
  guichet::test::write_bytes(dir / "two.bin", {'a', 0x0A, 0x1D, 0x56, 0x01, 'b', 0x0A, 0x1D, 0x56, 0x01});
  const ToolRun run = run_tool(dir, {(dir / "two.bin").string()});
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_TRUE(fs::exists(dir / "two.png"));
  EXPECT_TRUE(fs::exists(dir / "two-2.png"));
}

TEST(EscposRenderTool, RefusesAMissingFileAndAJobThatPrintsNothing) {
  const fs::path dir = fresh_dir("bad");
  EXPECT_NE(run_tool(dir, {(dir / "absent.bin").string()}).status, 0);
  guichet::test::write_bytes(dir / "empty.bin", {0x1B, 0x40});
  const ToolRun run = run_tool(dir, {(dir / "empty.bin").string()});
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("prints nothing"), std::string::npos);
}

}  // namespace
