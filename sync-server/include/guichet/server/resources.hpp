// Files built into the server: the OpenAPI document and the manager's dashboard page.
#pragma once

#include <string_view>

namespace guichet::server {

std::string_view openapi_yaml();
std::string_view dashboard_html();

}  // namespace guichet::server
