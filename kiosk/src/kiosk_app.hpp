// The two modes of guichet-kiosk, each running the UI loop until it ends.
#pragma once

#include "config.hpp"
#include "guichet/sync/client.hpp"
#include "guichet/ui/app.hpp"
#include "i18n.hpp"

namespace guichet::kiosk {

int run_kiosk(const KioskConfig& config, ui::App& app, const text::Translations& translations,
              const sync::ServerEndpoint& endpoint);
int run_display(const KioskConfig& config, ui::App& app, const text::Translations& translations,
                const sync::ServerEndpoint& endpoint);

}  // namespace guichet::kiosk
