// The form in progress at the counter, kept on the terminal's disk while it is filled, so that a
// counter that stops (a crash, a power cut) finds it again at the next login (docs/counter.md, "A
// form in progress is kept"). Its text (draft_json) is a named value of the outbox, so that filing
// it removes it in the same transaction as the filing is written: after any crash there is the
// draft or the filing, never both. The scanned pages' bytes are in their own file
// (`draft.sqlite`, next to the outbox), each page once by its SHA-256; those no draft names are
// removed, overwritten with zeros (citizens' papers). Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "application_form.hpp"
#include "guichet/store/sqlite.hpp"
#include "guichet/sync/client.hpp"

namespace guichet::counter {

class DraftStore {
 public:
  // The outbox's named value that holds the draft's text.
  static constexpr const char* kDraftName = "counter.draft";
  // Where a draft that could not be read is moved, so that it is neither offered again nor lost.
  static constexpr const char* kUnreadableName = "counter.draft.unreadable";

  // How long a draft set aside is kept (for a technician to look at) before it is erased: it holds
  // a citizen's details.
  static constexpr std::int64_t kAsideDays = 30;

  // Opens or creates the pages' file, and erases a set-aside draft older than kAsideDays. Throws
  // store::DbError naming the file when it is damaged.
  DraftStore(const std::string& pages_path, sync::Outbox& outbox);
  DraftStore(const DraftStore&) = delete;
  DraftStore& operator=(const DraftStore&) = delete;

  struct Kept {
    std::string text;                          // draft_json
    std::map<std::string, ScannedPage> pages;  // every page kept, by SHA-256
  };
  // The draft kept, if there is one.
  std::optional<Kept> load();
  // A page's bytes, durably, before a draft that names it is saved (once per SHA-256).
  void keep_page(const ScannedPage& page);
  // The draft's text, durably, then the pages it does not name removed. An empty text removes the
  // draft (a form with nothing to keep).
  void save(const std::string& text, const std::vector<std::string>& page_ids);
  // The draft removed with all its pages (the operator cancelled the form).
  void clear();
  // The pages no draft names removed (the draft was filed with its pages, or is gone).
  void drop_unnamed_pages();
  // A draft that could not be restored is kept aside under kUnreadableName, with why and when.
  // A later one takes its place.
  void set_aside(const std::string& why);
  // Erases the set-aside draft when it was set aside more than kAsideDays before `now_ms`; true
  // when it did. One whose record cannot be read is dated `now_ms`, so that it expires too.
  bool expire_aside(std::int64_t now_ms);
  std::int64_t page_count();

 private:
  void drop_pages_except(const std::vector<std::string>& page_ids);  // under mu_
  sync::Outbox& outbox_;
  std::unique_ptr<store::Db> db_;
  std::mutex mu_;
};

}  // namespace guichet::counter
