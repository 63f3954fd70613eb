// The two modes of guichet-kiosk, each running the UI loop until it ends.
#pragma once

#include "config.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/ui/app.hpp"
#include "strings.hpp"

namespace guichet::kiosk {

int run_kiosk(const KioskConfig& config, ui::App& app, const Strings& strings, const sync::ServerEndpoint& endpoint);
int run_display(const KioskConfig& config, ui::App& app, const Strings& strings, const sync::ServerEndpoint& endpoint);

}  // namespace guichet::kiosk
