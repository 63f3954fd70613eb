// The floor for the kiosk's start-up benchmark: a bare SDL2 + Dear ImGui window, no Guichet code,
// drawing the kiosk's language screen with the same fonts, colours and widgets (heading, line of
// text, five touch tiles, a corner control), redrawn only on events. Prints the wall-clock time
// of its first presented frame, like guichet-kiosk --report-first-frame.
#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

namespace {

ImU32 rgb(unsigned v) { return IM_COL32((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff, 255); }

long long unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void centred(ImDrawList* dl, ImFont* f, float y, float w, ImU32 col, const char* s) {
  float tw = f->CalcTextSizeA(f->FontSize, FLT_MAX, 0, s).x;
  dl->AddText(f, f->FontSize, ImVec2((w - tw) / 2, y), col, s);
}

}  // namespace

int main(int argc, char** argv) {
  int w = 1280, h = 800;
  bool software = true;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--size") && i + 1 < argc) std::sscanf(argv[++i], "%dx%d", &w, &h);
    if (!std::strcmp(argv[i], "--renderer") && i + 1 < argc) software = std::strcmp(argv[++i], "accelerated") != 0;
  }
  if (software) SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
  if (SDL_Init(SDL_INIT_VIDEO) != 0) return 1;
  SDL_Window* win = SDL_CreateWindow("floor", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, w, h, SDL_WINDOW_SHOWN);
  SDL_Renderer* ren = SDL_CreateRenderer(win, -1, software ? SDL_RENDERER_SOFTWARE : SDL_RENDERER_ACCELERATED);
  if (!win || !ren) return 1;
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  io.IniFilename = nullptr;
  ImGui_ImplSDL2_InitForSDLRenderer(win);
  ImGui_ImplSDLRenderer_Init(ren);

  // The kiosk's default theme at this window height: the same five fonts.
  const float s = static_cast<float>(h) / 1080.0f;
  static const ImWchar text_ranges[] = {0x0020, 0x00FF, 0x0152, 0x0153, 0x2013, 0x2026, 0x20A8, 0x20B9,
                                        0x2190, 0x2193, 0x2713, 0x2713, 0x25CF, 0x25CF, 0};
  static const ImWchar display_ranges[] = {0x0020, 0x005A, 0x2013, 0x2013, 0};
  ImFontConfig cfg;
  cfg.OversampleH = cfg.OversampleV = 1;
  cfg.PixelSnapH = true;
  const char* regular = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
  const char* bold = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf";
  ImFont* small = io.Fonts->AddFontFromFileTTF(regular, 26 * s, &cfg, text_ranges);
  ImFont* body = io.Fonts->AddFontFromFileTTF(regular, 36 * s, &cfg, text_ranges);
  ImFont* large = io.Fonts->AddFontFromFileTTF(bold, 46 * s, &cfg, text_ranges);
  ImFont* heading = io.Fonts->AddFontFromFileTTF(bold, 60 * s, &cfg, text_ranges);
  io.Fonts->AddFontFromFileTTF(bold, 220 * s, &cfg, display_ranges);
  ImGui_ImplSDLRenderer_CreateFontsTexture();
  io.Fonts->ClearTexData();

  const char* tiles[] = {"English", "Punjabi", "Hindi", "Urdu",
                         "Fran\xC3\xA7"
                         "ais"};
  bool first = true;
  bool running = true;
  int frames = 2;
  while (running) {
    SDL_Event ev;
    if (frames == 0) {
      if (!SDL_WaitEvent(&ev)) break;
      ImGui_ImplSDL2_ProcessEvent(&ev);
      if (ev.type == SDL_QUIT) running = false;
      frames = 2;
    }
    while (SDL_PollEvent(&ev)) {
      ImGui_ImplSDL2_ProcessEvent(&ev);
      if (ev.type == SDL_QUIT) running = false;
    }
    ImGui_ImplSDLRenderer_NewFrame();
    ImGui_ImplSDL2_NewFrame();
    ImGui::NewFrame();
    ImGui::SetNextWindowPos(ImVec2(0, 0));
    ImGui::SetNextWindowSize(ImVec2(static_cast<float>(w), static_cast<float>(h)));
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImGui::ColorConvertU32ToFloat4(rgb(0x0B2F55)));
    ImGui::Begin("##screen", nullptr, ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove);
    ImDrawList* dl = ImGui::GetWindowDrawList();
    float pad = 56 * s, gap = 30 * s;
    centred(dl, small, pad, static_cast<float>(w), rgb(0xD2DEEA), "Ludhiana Citizen Service Centre");
    centred(dl, heading, pad + 70 * s, static_cast<float>(w), rgb(0xFFFFFF), "Welcome");
    centred(dl, body, pad + 160 * s, static_cast<float>(w), rgb(0xD2DEEA),
            "Touch your language  \xC2\xB7  Touchez votre langue");
    float tw = (static_cast<float>(w) - 2 * pad - 2 * gap) / 3, th = 180 * s;
    for (int i = 0; i < 5; ++i) {
      ImVec2 p(pad + static_cast<float>(i % 3) * (tw + gap), pad + 260 * s + static_cast<float>(i / 3) * (th + gap));
      ImGui::SetCursorScreenPos(p);
      ImGui::PushID(i);
      bool held = ImGui::InvisibleButton("##tile", ImVec2(tw, th)) || ImGui::IsItemActive();
      ImGui::PopID();
      dl->AddRectFilled(p, ImVec2(p.x + tw, p.y + th), rgb(held ? 0xFFD23F : 0xFFFFFF), 20 * s);
      dl->AddRect(p, ImVec2(p.x + tw, p.y + th), rgb(0xFFFFFF), 20 * s, 0, 3 * s);
      float lw = large->CalcTextSizeA(large->FontSize, FLT_MAX, 0, tiles[i]).x;
      dl->AddText(large, large->FontSize, ImVec2(p.x + (tw - lw) / 2, p.y + (th - large->FontSize) / 2), rgb(0x0B1F33),
                  tiles[i]);
    }
    dl->AddText(small, small->FontSize, ImVec2(static_cast<float>(w) - 70 * s, static_cast<float>(h) - 60 * s),
                IM_COL32(210, 222, 234, 110), "Staff");
    ImGui::End();
    ImGui::PopStyleColor();
    ImGui::Render();
    SDL_SetRenderDrawColor(ren, 0x0B, 0x2F, 0x55, 255);
    SDL_RenderClear(ren);
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
    SDL_RenderPresent(ren);
    if (first) {
      first = false;
      std::printf("first-frame-unix-us %lld\n", unix_us());
      std::fflush(stdout);
    }
    if (frames > 0) --frames;
  }
  ImGui_ImplSDLRenderer_Shutdown();
  ImGui_ImplSDL2_Shutdown();
  ImGui::DestroyContext();
  SDL_DestroyRenderer(ren);
  SDL_DestroyWindow(win);
  SDL_Quit();
  return 0;
}
