# Writes OUT, a C++ source defining guichet::server::openapi_yaml() and dashboard_html() with the
# contents of OPENAPI and DASHBOARD, so the server needs no files beside its binary.
function(guichet_embed_bytes path var)
  file(READ "${path}" hex HEX)
  string(LENGTH "${hex}" len)
  math(EXPR count "${len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  set(${var} "${bytes}" PARENT_SCOPE)
  set(${var}_size "${count}" PARENT_SCOPE)
endfunction()

guichet_embed_bytes("${OPENAPI}" openapi)
guichet_embed_bytes("${DASHBOARD}" dashboard)

file(WRITE "${OUT}.tmp" "// Generated from sync-server/openapi.yaml and sync-server/web/dashboard.html.
#include \"guichet/server/resources.hpp\"

namespace guichet::server {
namespace {
const unsigned char kOpenApi[] = {${openapi} 0};
const unsigned char kDashboard[] = {${dashboard} 0};
}  // namespace

std::string_view openapi_yaml() { return {reinterpret_cast<const char*>(kOpenApi), ${openapi_size}}; }
std::string_view dashboard_html() { return {reinterpret_cast<const char*>(kDashboard), ${dashboard_size}}; }

}  // namespace guichet::server
")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
