// Small files written whole and durably (credentials, port files, cached catalogues).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace guichet::store {

// Writes `content` under a temporary name created with `mode` (so a secret is never readable by
// others, even for a moment), syncs it, renames it into place and syncs the directory. A crash
// leaves either the old file or the new one, never half of one. False when any step failed (the
// temporary file is removed).
bool write_file_atomically(const std::filesystem::path& path, const std::string& content, mode_t mode = 0644);

}  // namespace guichet::store
