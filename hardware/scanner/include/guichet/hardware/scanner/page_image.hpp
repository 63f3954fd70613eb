// A scanned page as the scanner sent it (SANE's frame: lines of gray or interleaved RGB samples) and
// its PNG encoding. Kept apart from the SANE calls so it is tested without a scanner.
//
// What it does:
//  [X] gray frames at 8 bits per sample: written as they are
//  [X] RGB frames (one pass, interleaved) at 8 bits per sample: 8-bit RGB PNG
//  [X] 1-bit lineart: expanded to 8-bit gray, a set bit black (SANE's convention), first pixel in
//      the most significant bit
//  [X] 16-bit samples (the host's byte order, as SANE sends them): reduced to their high 8 bits
//  [X] bytes_per_line wider than the pixels (padding at the end of each line): padding dropped
//  [X] the resolution in the PNG (pHYs, pixels per metre), so a printed page keeps its size
//  [ ] Three-pass frames (red, green, blue sent one after another): refused by the scanner.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "guichet/domain/result.hpp"

namespace guichet::hardware::scanner {

struct Frame {
  bool color = false;              // interleaved RGB; false is gray
  int depth = 8;                   // bits per sample: 1, 8 or 16
  int pixels_per_line = 0;         // the image's width
  int bytes_per_line = 0;          // bytes of one line as sent, padding included
  std::vector<std::uint8_t> data;  // whole lines; a partial last line is ignored

  int lines() const { return bytes_per_line > 0 ? static_cast<int>(data.size() / bytes_per_line) : 0; }
};

// 8-bit samples, one per pixel (gray) or three (RGB), rows without padding. The message says
// what is wrong with a frame that cannot be converted (depth 4, a line shorter than its pixels).
domain::Result<std::vector<std::uint8_t>, std::string> to_8bit(const Frame& frame);

// The frame as a PNG file's bytes: 8-bit gray or 8-bit RGB, with its resolution when dpi > 0.
domain::Result<std::vector<std::uint8_t>, std::string> encode_png(const Frame& frame, int dpi);

}  // namespace guichet::hardware::scanner
