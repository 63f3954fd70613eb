// Every counter action has its own function key, shown on its button.
#include "shortcuts.hpp"

#include <gtest/gtest.h>

#include <set>

using guichet::counter::Action;
using guichet::counter::action_for_function_key;
using guichet::counter::all_actions;
using guichet::counter::button_label;
using guichet::counter::info;
using guichet::counter::key_name;

namespace {

TEST(Shortcuts, TheAgreedKeys) {
  EXPECT_EQ(key_name(Action::CallNext), "F1");
  EXPECT_EQ(key_name(Action::Recall), "F2");
  EXPECT_EQ(key_name(Action::Start), "F3");
  EXPECT_EQ(key_name(Action::Finish), "F4");
  EXPECT_EQ(key_name(Action::NoShow), "F5");
  EXPECT_EQ(key_name(Action::Park), "F6");
  EXPECT_EQ(key_name(Action::Transfer), "F7");
  EXPECT_EQ(key_name(Action::CallSpecific), "F8");
  EXPECT_EQ(key_name(Action::Resume), "F9");
  EXPECT_EQ(key_name(Action::Logout), "F10");
  EXPECT_EQ(key_name(Action::NewApplication), "F11");
}

TEST(Shortcuts, EveryActionHasOneKeyAndEveryKeyOneAction) {
  std::set<int> keys;
  for (const auto& a : all_actions()) {
    EXPECT_GE(a.function_key, 1);
    EXPECT_LE(a.function_key, 12);
    EXPECT_TRUE(keys.insert(a.function_key).second) << "F" << a.function_key << " used twice";
    auto back = action_for_function_key(a.function_key);
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, a.action);
  }
  EXPECT_EQ(all_actions().size(), 11u);
  EXPECT_EQ(action_for_function_key(11), Action::NewApplication);
  EXPECT_FALSE(action_for_function_key(12));
  EXPECT_FALSE(action_for_function_key(0));
}

TEST(Shortcuts, ButtonsShowTheirKey) {
  EXPECT_EQ(button_label(Action::CallNext), "Call next [F1]");
  EXPECT_EQ(button_label(Action::NoShow), "No-show [F5]");
  for (const auto& a : all_actions()) {
    EXPECT_NE(button_label(a.action).find("[" + key_name(a.action) + "]"), std::string::npos);
  }
}

TEST(Shortcuts, QueueActionsMapToTheServersEndpoints) {
  EXPECT_STREQ(info(Action::CallNext).endpoint, "call-next");
  EXPECT_STREQ(info(Action::CallSpecific).endpoint, "call");
  EXPECT_STREQ(info(Action::NoShow).endpoint, "no-show");
  EXPECT_STREQ(info(Action::Resume).endpoint, "resume");
  EXPECT_STREQ(info(Action::Logout).endpoint, "");
}

}  // namespace
