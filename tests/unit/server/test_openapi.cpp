// The OpenAPI document covers exactly the routes the server knows, and is what the server serves.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "guichet/server/api.hpp"
#include "guichet/server/resources.hpp"

namespace guichet::server {
namespace {

std::string read_source(const std::string& relative) {
  std::ifstream in(std::string(GUICHET_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "METHOD path" for every operation under `paths:` (two-space paths, four-space methods).
std::set<std::string> documented_operations(const std::string& yaml) {
  std::set<std::string> out;
  std::istringstream in(yaml);
  std::string line, path;
  bool in_paths = false;
  static const std::regex path_re(R"(^  (/[^:\s]*):\s*$)");
  static const std::regex method_re(R"(^    (get|post|put|delete|patch):\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ') in_paths = line.rfind("paths:", 0) == 0;
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_re)) {
      path = m[1];
    } else if (std::regex_match(line, m, method_re) && !path.empty()) {
      std::string method = m[1];
      for (auto& ch : method) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      out.insert(method + " " + path);
    }
  }
  return out;
}

TEST(OpenApi, EveryRouteIsDocumentedAndEveryDocumentedOperationIsRouted) {
  const std::string yaml = read_source("sync-server/openapi.yaml");
  ASSERT_FALSE(yaml.empty());
  auto documented = documented_operations(yaml);
  std::set<std::string> routed;
  for (const auto& r : Api::routes()) routed.insert(r.method + " " + r.pattern);
  ASSERT_GE(routed.size(), 20u);
  for (const auto& r : routed) EXPECT_TRUE(documented.count(r)) << r << " is routed but not in openapi.yaml";
  for (const auto& d : documented) EXPECT_TRUE(routed.count(d)) << d << " is in openapi.yaml but not routed";
}

TEST(OpenApi, TheServedDocumentIsTheRepositoryFile) {
  EXPECT_EQ(std::string(openapi_yaml()), read_source("sync-server/openapi.yaml"));
  EXPECT_EQ(std::string(dashboard_html()), read_source("sync-server/web/dashboard.html"));
}

TEST(OpenApi, TheDocumentParserFindsOperations) {
  auto ops = documented_operations(
      "openapi: 3.0.3\npaths:\n  /a/{id}:\n    get:\n      x: 1\n    post:\n"
      "components:\n  /not/a/path:\n    get:\n");
  EXPECT_EQ(ops, (std::set<std::string>{"GET /a/{id}", "POST /a/{id}"}));
}

}  // namespace
}  // namespace guichet::server
