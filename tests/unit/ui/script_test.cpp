#include <gtest/gtest.h>

#include "guichet/ui/automation.hpp"

using namespace guichet::ui;

TEST(Script, ParsesEveryCommand) {
  auto r = parse_script(
      "# a comment\n"
      "\n"
      "tap \"Birth certificate\"\n"
      "tap OK 2000\n"
      "type \"LDH01-20261123-A042\" 5\n"
      "key F5\n"
      "wait_text \"Please take your token\" 8000\n"
      "expect_no_text \"Error\"\n"
      "screenshot shots/start.png\n"
      "sleep 250\n"
      "dump\n"
      "quit\n");
  ASSERT_TRUE(r.ok()) << r.error().line << ": " << r.error().message;
  const auto& c = r.value();
  ASSERT_EQ(c.size(), 10u);
  EXPECT_EQ(c[0].op, ScriptOp::Tap);
  EXPECT_EQ(c[0].arg, "Birth certificate");
  EXPECT_EQ(c[0].number, -1);
  EXPECT_EQ(c[0].line, 3);
  EXPECT_EQ(c[1].arg, "OK");
  EXPECT_EQ(c[1].number, 2000);
  EXPECT_EQ(c[2].op, ScriptOp::Type);
  EXPECT_EQ(c[2].arg, "LDH01-20261123-A042");
  EXPECT_EQ(c[2].number, 5);
  EXPECT_EQ(c[3].op, ScriptOp::Key);
  EXPECT_EQ(c[3].arg, "F5");
  EXPECT_EQ(c[4].op, ScriptOp::WaitText);
  EXPECT_EQ(c[4].number, 8000);
  EXPECT_EQ(c[5].op, ScriptOp::ExpectNoText);
  EXPECT_EQ(c[6].op, ScriptOp::Screenshot);
  EXPECT_EQ(c[6].arg, "shots/start.png");
  EXPECT_EQ(c[7].op, ScriptOp::Sleep);
  EXPECT_EQ(c[7].number, 250);
  EXPECT_EQ(c[8].op, ScriptOp::Dump);
  EXPECT_EQ(c[9].op, ScriptOp::Quit);
  EXPECT_EQ(c[9].line, 12);
}

TEST(Script, QuotedStringsAndEscapes) {
  auto r = parse_script_line(R"(wait_text "say \"hi\" \\ now\nplease")", 1);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value().arg, "say \"hi\" \\ now\nplease");
  auto utf8 = parse_script_line("tap \"Français\"", 1);
  ASSERT_TRUE(utf8.ok());
  EXPECT_EQ(utf8.value().arg, "Français");
}

TEST(Script, BlankAndCommentLinesAreNothing) {
  for (const char* line : {"", "   ", "# tap \"x\"", "\t\r"}) {
    auto r = parse_script_line(line, 7);
    ASSERT_TRUE(r.ok()) << line;
    EXPECT_EQ(r.value().op, ScriptOp::Nothing);
  }
}

TEST(Script, RefusesBadLinesWithLineNumber) {
  struct Case {
    const char* text;
    const char* fragment;
  };
  const Case cases[] = {
      {"tapp \"x\"", "unknown command 'tapp'"},
      {"tap", "missing argument"},
      {"tap \"unterminated", "unterminated string"},
      {"tap \"x\" soon", "expected a number"},
      {"sleep", "expected a number"},
      {"sleep -5", "expected a number"},
      {"wait_text \"x\" 100 200", "unexpected"},
      {"quit now", "unexpected"},
      {"type \"\"", "empty argument"},
      {"type \"a\\q\"", "unknown escape"},
  };
  for (const auto& c : cases) {
    auto r = parse_script(std::string("dump\n") + c.text + "\nquit\n");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error().line, 2) << c.text;
    EXPECT_NE(r.error().message.find(c.fragment), std::string::npos) << c.text << " → " << r.error().message;
  }
}

TEST(ScreenRecord, FindsControlsExactlyThenByUniquePart) {
  ScreenRecord rec;
  rec.items = {
      {ScreenItem::Kind::Text, "Choose a service", {0, 0, 100, 20}, true, {}},
      {ScreenItem::Kind::Control, "Birth certificate", {0, 40, 100, 50}, true, {}},
      {ScreenItem::Kind::Control, "Death certificate", {0, 100, 100, 50}, true, {}},
      {ScreenItem::Kind::Control, "OK", {0, 160, 100, 50}, false, {}},
      {ScreenItem::Kind::Control, "Pension", {0, 220, 100, 50}, true, {}},
  };
  ASSERT_NE(rec.find_control("Birth certificate"), nullptr);
  EXPECT_EQ(rec.find_control("Birth certificate")->rect.y, 40);
  EXPECT_EQ(rec.find_control("Pens")->text, "Pension");
  EXPECT_EQ(rec.find_control("certificate"), nullptr) << "two partial matches are ambiguous";
  EXPECT_EQ(rec.find_control("OK"), nullptr) << "disabled controls cannot be tapped";
  EXPECT_EQ(rec.find_control("Choose a service"), nullptr) << "texts are not controls";
  EXPECT_TRUE(rec.contains_text("a service"));
  EXPECT_TRUE(rec.contains_text("Death"));
  EXPECT_FALSE(rec.contains_text("Marriage"));
  EXPECT_EQ(rec.texts().size(), 5u);
  EXPECT_FLOAT_EQ(rec.items[1].rect.cx(), 50);
  EXPECT_FLOAT_EQ(rec.items[1].rect.cy(), 65);
}
