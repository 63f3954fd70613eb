#include "guichet/server/centre.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <utility>

#include "guichet/server/admin.hpp"
#include "guichet/server/applications.hpp"
#include "guichet/server/credentials.hpp"
#include "guichet/server/log.hpp"
#include "guichet/server/wire_json.hpp"

namespace guichet::server {
namespace {

// Idempotency records are kept this long (pruned at day close): far longer than any terminal
// stays offline with an unsent outbox entry.
constexpr std::int64_t kIdempotencyKeepMs = 30LL * 24 * 3600 * 1000;
// Keys the in-memory index holds without growing (2 MiB of buckets).
constexpr std::size_t kIdempotencyIndexReserve = std::size_t{1} << 18;

std::string idem_slot(const std::string& device, const std::string& key) { return device + '\n' + key; }

Response replayed(int status, const std::string& body) {
  Response r = Response::json_text(status, body);
  r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

// What a key keeps of its answer. A filing's (201, {"application": <public status>}) is kept as
// its receipt: a replay reads the application's public status as it stands then, and the status
// is not stored a third time beside the application's row and the change log.
IdempotencyRecord answer_record(const std::string& device, const IdempotencyKey& key, const Response& response,
                                const std::optional<Mutation::ApplicationFiling>& filing, std::int64_t now_ms) {
  IdempotencyRecord r{device, key.key, key.fingerprint, response.status, "", now_ms, ""};
  if (filing && response.status == 201) {
    r.receipt = filing->record.receipt;
  } else {
    r.body = response.body;
  }
  return r;
}

Response key_reused() {
  return Response::error(422, "idempotency_key_reused",
                         "this Idempotency-Key was already used for a different request; use a new key");
}

Response storage_failed() {
  return Response::error(503, "storage_failed",
                         "the centre server could not store this action; nothing was changed, send it again");
}

Response too_many(std::chrono::milliseconds remaining, const std::string& message) {
  Response r = Response::error(429, "too_many_attempts", message);
  r.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds(remaining)));
  return r;
}

template <class T, class Same>
void put_unique(std::vector<T>& list, T value, Same same) {
  for (auto& v : list) {
    if (same(v, value)) {
      v = std::move(value);
      return;
    }
  }
  list.push_back(std::move(value));
}

}  // namespace

// State of one submitted write, shared by its work (writer thread, in the transaction) and its
// completion (writer thread, after commit).
struct PendingWrite {
  WriteContext context;
  Mutation mutation;
  std::optional<Response> refusal;
  Response response;
  std::vector<std::string> event_json;
  Respond done;
  std::optional<std::int64_t> idempotency_id;  // the stored record of the answer, once written
  RelayCounts relay_delta;                     // how the write moved the relay outbox's totals
  int utc_offset = 0;
  // JSON is built by whichever thread gets here first: usually the network thread right after
  // submitting (in parallel with other requests), else the writer. 0 = not started, 1 = being
  // built, 2 = ready.
  std::atomic<int> prepared{0};

  void prepare() {
    int expected = 0;
    if (!prepared.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return;
    event_json.reserve(mutation.events.size());
    for (const auto& e : mutation.events) event_json.push_back(server::event_json(e, utc_offset));
    if (refusal) {
      response = *refusal;
    } else if (mutation.respond) {
      response = mutation.respond(event_json);
    } else {
      response = Response::json(200, nlohmann::json::object());
    }
    prepared.store(2, std::memory_order_release);
    prepared.notify_all();
  }
  void wait_prepared() {
    prepare();
    for (int seen = prepared.load(std::memory_order_acquire); seen != 2;
         seen = prepared.load(std::memory_order_acquire)) {
      prepared.wait(seen, std::memory_order_acquire);
    }
  }
};

void Mutation::record(const domain::QueueEvent& e, const domain::Queue& q, const std::string& queue_day) {
  sync::WireEvent w;
  w.event = e;
  if (const auto* c = q.catalogue().counter(e.counter)) w.counter_number = c->number;
  events.push_back(std::move(w));
  this->queue_day = queue_day;
  if (!e.token.id.empty()) {
    // The queue's copy is the latest state of the token (the event holds it as of the event).
    const domain::Token* now = q.find(e.token.id);
    put_unique(tokens, std::make_pair(now ? *now : e.token, queue_day),
               [](const auto& a, const auto& b) { return a.first.id == b.first.id; });
  }
  if (!e.counter.empty()) {
    if (const auto* cs = q.counter_state(e.counter)) {
      put_unique(counters, *cs, [](const auto& a, const auto& b) { return a.counter == b.counter; });
    }
  }
}

std::int64_t Centre::idempotency_keep_ms() { return kIdempotencyKeepMs; }

Response queue_error_response(const domain::QueueError& error) {
  using K = domain::QueueErrorKind;
  int status = 409;
  switch (error.kind) {
    case K::UnknownService:
    case K::UnknownCounter:
    case K::UnknownToken:
    case K::UnknownPriority:
      status = 404;
      break;
    case K::BadLease:   // a block size the rules never allow
    case K::NotLeased:  // a number the device never held: sending it again can never succeed
      status = 422;
      break;
    default:
      break;
  }
  return Response::error(status, domain::to_string(error.kind), error.message);
}

Centre::Centre(CentreOptions options)
    : catalogue_(std::move(options.catalogue)),
      clock_(options.clock ? std::move(options.clock) : std::make_shared<SystemClock>()),
      wall_(options.wall_clock ? std::move(options.wall_clock) : std::function<std::int64_t()>(wall_ms)),
      throttle_(options.throttle),
      session_lifetime_(options.session_lifetime),
      reads_(options.db_path),
      role_(options.role),
      centres_(std::move(options.centres)),
      relay_(options.relay),
      enroll_throttle_(options.enroll_throttle) {
  if (role_ == NodeRole::Central && !catalogue_ && !centres_.empty()) catalogue_ = centres_.begin()->second;
  if (!catalogue_) throw std::invalid_argument("the centre server needs a catalogue");
  if (role_ == NodeRole::Central && relay_) throw std::invalid_argument("the central server relays to no one");
  catalogue_json_ = sync::to_json(*catalogue_).dump();
  {
    store::Db db = open_database(options.db_path, options.durability, true);
    Repository repo(db);
    auto centre = repo.meta("centre");
    const std::string node = node_id();
    if (centre && *centre != node) {
      throw std::runtime_error("database " + options.db_path + " belongs to " +
                               (*centre == kCentralNode ? "the central server" : "centre " + *centre) +
                               ", but this server runs " +
                               (role_ == NodeRole::Central ? "the central server" : "centre " + node));
    }
    if (!centre || !repo.meta("business_day")) {
      store::Transaction tx(db);
      repo.set_meta("centre", node);
      if (!repo.meta("business_day")) {
        repo.set_meta("business_day", domain::business_day(clock_->now(), utc_offset()));
      }
      tx.commit();
    }
    restore(repo);
    std::string attachments = options.attachments_path;
    if (attachments.empty()) {
      attachments = (std::filesystem::path(options.db_path).parent_path() / "attachments.sqlite").string();
    }
    attachments_ = std::make_unique<AttachmentStore>(attachments, node, relay_, options.durability);
    if (relay_) {
      const RelayCounts counts = repo.relay_counts();
      relay_pending_ = counts.pending;
      relay_sent_ = counts.sent;
      relay_refused_ = counts.refused;
    }

    // The change log continues after its last row. A new history of it begins at the last change
    // found, before this start writes any (a cursor given from here names it, see ChangeEpoch); the
    // catalogue gets a new row when it changed. Both in one commit.
    change_seq_ = repo.last_change_seq();
    {
      store::Transaction tx(db);
      change_epoch_ = random_hex(8);
      repo.add_change_epoch(change_epoch_, change_seq_, wall_(), kKeptChangeEpochs);
      const std::string version = secret_hash(catalogue_json_).substr(0, 16);
      auto stored = repo.change("catalogue");
      const std::string version_mark = "{\"type\":\"catalogue\",\"version\":\"" + version + "\"";
      if (role_ == NodeRole::Centre && (!stored || stored->body.compare(0, version_mark.size(), version_mark) != 0)) {
        repo.upsert_change(ChangeRecord{"catalogue", ++change_seq_, "catalogue",
                                        version_mark + ",\"catalogue\":" + catalogue_json_ + "}", ""});
      }
      tx.commit();
    }
    change_epochs_ = repo.change_epochs();
    durable_change_ = change_seq_;

    domain::HlcOptions hlc_options;
    hlc_options.max_drift_ms = 0;
    hlc_options.too_far_ahead = domain::HlcAheadPolicy::Clamp;
    hlc_ = std::make_unique<domain::Hlc>(
        node, [this] { return wall_(); }, hlc_options);
    if (auto last = repo.meta("hlc")) {
      domain::HlcTime t;
      std::string error;
      if (!domain::parse_hlc(*last, t, error)) {
        throw store::DbError(SQLITE_CORRUPT,
                             "database " + options.db_path + ": the stored clock time is damaged: " + error);
      }
      hlc_->restore(t);
    }
  }
  GroupCommitter::Hooks hooks;
  // Once per batch, inside its transaction: the queue's row of the change log moves to the
  // batch's last event (one write per batch, however many operations it holds).
  hooks.before_commit = [this](Repository& repo) {
    for (const auto& [day, last_event] : batch_queue_days_) {
      ChangeRecord c{"queue:" + day, ++change_seq_, "queue", "", ""};
      c.body = nlohmann::json{{"type", "queue"}, {"day", day}, {"last_event", last_event}}.dump();
      repo.upsert_change(c);
      batch_change_max_ = c.seq;
    }
    batch_queue_days_.clear();
  };
  // The events a batch staged go to the live feed once that batch is durable.
  // Changes become visible to downloads once their batch is durable too.
  hooks.seal = [this]() -> std::function<void()> {
    const std::int64_t changes = std::exchange(batch_change_max_, 0);
    if (!feed_batch_ && changes == 0) return nullptr;
    return [this, batch = std::exchange(feed_batch_, nullptr), changes] {
      if (batch) feed_.publish(batch);
      if (changes > 0) durable_change_ = changes;
    };
  };
  hooks.durability_lost = [](const std::string& error) {
    log_error(error + "; stopping so that a restart recovers from what is really on disk");
    std::_Exit(70);
  };
  hooks.after_failure = [this](const std::string& error) { after_failure(error); };
  hooks.answers_begin = [this] {
    std::function<void()> begin;
    {
      std::lock_guard lock(answer_hooks_mu_);
      begin = answers_begin_;
      batch_answers_end_ = answers_end_;
    }
    if (begin) begin();
  };
  hooks.answers_end = [this] {
    if (batch_answers_end_) batch_answers_end_();
    batch_answers_end_ = nullptr;
  };
  committer_ = std::make_unique<GroupCommitter>(options.db_path, options.durability, std::move(hooks));
  auth_thread_ = std::thread([this] { run_auth_worker(); });
}

Centre::~Centre() { shutdown(); }

void Centre::shutdown() {
  std::call_once(shutdown_once_, [this] { stop_threads(); });
}

void Centre::stop_threads() {
  if (attachments_) attachments_->stop();  // the files taken are stored and answered first
  {
    std::lock_guard lock(auth_mu_);
    auth_stop_ = true;
  }
  auth_cv_.notify_one();
  if (auth_thread_.joinable()) auth_thread_.join();
  if (committer_) {
    committer_->stop();
    auto st = committer_->stats();
    if (st.batches > 0) {
      log_info(
          "stored " + std::to_string(st.jobs) + " operations in " + std::to_string(st.batches) + " commits (largest " +
          std::to_string(st.largest_batch) + "); writing " + std::to_string(st.write_us / st.batches) +
          " us and committing " + std::to_string(st.commit_us / st.batches) + " us per commit on average (" +
          std::to_string(st.pages_written / st.batches) + " pages), longest commit " +
          std::to_string(st.longest_commit_us / 1000) + " ms" +
          (st.syncs > 0 ? "; " + std::to_string(st.syncs) + " WAL syncs of " + std::to_string(st.sync_us / st.syncs) +
                              " us on average, longest " + std::to_string(st.longest_sync_us / 1000) + " ms"
                        : std::string()));
    }
  }
}

void Centre::set_answer_hooks(std::function<void()> begin, std::function<void()> end) {
  std::lock_guard lock(answer_hooks_mu_);
  answers_begin_ = std::move(begin);
  answers_end_ = std::move(end);
}

void Centre::restore(Repository& repo) {
  auto day = repo.meta("business_day");
  if (!day) throw store::DbError(SQLITE_CORRUPT, "database has no business day");
  auto tokens = repo.tokens_of_day(*day);
  auto counters = repo.counters();
  std::erase_if(counters, [this](const domain::CounterState& c) { return catalogue_->counter(c.counter) == nullptr; });
  queue_.emplace(catalogue_, *day, std::move(tokens), std::move(counters), repo.leases_of_day(*day));
  next_seq_ = repo.last_event_seq();
  feed_.set_last_seq(next_seq_);

  std::unordered_map<std::string, AuthSession> sessions;
  for (const auto& s : repo.open_sessions(wall_())) {
    auto op = repo.operator_record(s.operator_id);
    if (!op) continue;
    sessions[s.token_hash] =
        AuthSession{s.token_hash, op->id, op->name, op->role, s.device_id, s.counter, s.expires_ms, op->department};
  }
  {
    std::lock_guard lock(sessions_mu_);
    sessions_ = std::move(sessions);
  }
  {
    std::lock_guard lock(throttle_mu_);
    failures_.clear();
    for (auto& f : repo.all_pin_failures()) failures_[f.operator_id] = f;
  }
  std::unordered_multimap<std::uint64_t, std::int64_t> keys;
  keys.reserve(kIdempotencyIndexReserve);
  repo.each_idempotency_key([&keys](std::int64_t id, const std::string& device, const std::string& key) {
    keys.emplace(std::hash<std::string>{}(idem_slot(device, key)), id);
  });
  // Room for as many new keys again (and at least a busy day's): growing the table rehashes every
  // key, on the thread that answers, which holds up every answer of the moment.
  keys.reserve(std::max(2 * keys.size(), kIdempotencyIndexReserve));
  std::lock_guard lock(idem_mu_);
  key_index_ = std::move(keys);
}

std::string Centre::business_day() const {
  std::lock_guard lock(mu_);
  return queue_->business_day();
}

sync::WireEvent Centre::wire_event(const domain::QueueEvent& e) const {
  sync::WireEvent w;
  w.event = e;
  if (const auto* c = catalogue_->counter(e.counter)) w.counter_number = c->number;
  return w;
}

std::optional<DeviceRecord> Centre::device_record(const std::string& id) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(devices_mu_);
    if (auto it = devices_.find(id); it != devices_.end() && now - it->second.fetched < kDeviceCacheTime) {
      return it->second.record;
    }
  }
  std::optional<DeviceRecord> record;
  {
    auto conn = reads_.acquire();
    record = conn->device(id);
  }
  if (record) {
    std::lock_guard lock(devices_mu_);
    devices_[id] = CachedDevice{*record, now};
  }
  return record;
}

domain::Result<AuthDevice, Response> Centre::authenticate_device(const Request& request) {
  std::string id(request.header("x-guichet-device"));
  std::string_view secret = request.header("x-guichet-secret");
  if (id.empty() || secret.empty()) {
    return Response::error(401, "unauthenticated",
                           "this request needs the device's credentials (X-Guichet-Device and X-Guichet-Secret)");
  }
  std::optional<DeviceRecord> record;
  try {
    record = device_record(id);
  } catch (const store::DbError& e) {
    log_error(std::string("reading devices failed: ") + e.what());
    return storage_failed();
  }
  if (!record || !secret_matches(secret, record->secret_hash)) {
    return Response::error(401, "unauthenticated", "unknown device or wrong device secret");
  }
  if (record->revoked_ms) {
    const std::string when = domain::format_iso_local(domain::from_unix_ms(*record->revoked_ms), utc_offset());
    nlohmann::json body = {
        {"error",
         {{"code", "device_revoked"},
          {"message", "device " + id + " was revoked on " + when +
                          "; it can no longer use this centre. An administrator can enroll it again with a new code"},
          {"device", id},
          {"revoked_at", when}}}};
    return Response::json(403, body);
  }
  // A malformed outbox, disk or printer report is ignored: they are for people, never a reason to
  // refuse a request.
  TerminalSays says;
  if (std::string_view value = request.header("x-guichet-outbox"); !value.empty()) {
    says.outbox = sync::parse_outbox_report(value);
  }
  if (std::string_view value = request.header("x-guichet-disk"); !value.empty()) {
    says.disk_free_mib = sync::parse_disk_report(value);
  }
  if (std::string_view value = request.header("x-guichet-printer"); !value.empty()) {
    says.printer = sync::parse_printer_report(value);
  }
  activity_.heard(record->id, wall_(), says);
  return AuthDevice{record->id, record->kind};
}

domain::Result<AuthSession, Response> Centre::authenticate_operator(const Request& request, const AuthDevice& device) {
  std::string_view auth = request.header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer) {
    return Response::error(401, "no_session",
                           "this action needs an operator session (Authorization: Bearer …); log in first");
  }
  std::string hash = secret_hash(auth.substr(kBearer.size()));
  std::lock_guard lock(sessions_mu_);
  auto it = sessions_.find(hash);
  if (it == sessions_.end() || it->second.expires_ms <= wall_()) {
    return Response::error(401, "no_session", "the operator session has ended or is unknown; log in again");
  }
  if (it->second.device_id != device.id) {
    return Response::error(401, "no_session", "this operator session was opened on another device; log in here");
  }
  return it->second;
}

bool Centre::operator_known(const std::string& operator_id) {
  {
    std::lock_guard lock(sessions_mu_);
    if (known_operators_.count(operator_id) != 0) return true;
  }
  std::optional<OperatorRecord> found;
  {
    auto conn = reads_.acquire();
    found = conn->operator_record(operator_id);
  }
  if (!found) return false;
  std::lock_guard lock(sessions_mu_);
  known_operators_.insert(operator_id);
  return true;
}

void Centre::login(const AuthDevice& device, const std::string& operator_id, const std::string& pin,
                   const std::string& counter, Respond done) {
  {
    std::lock_guard lock(throttle_mu_);
    auto it = failures_.find(operator_id);
    if (it != failures_.end()) {
      if (auto remaining = lockout_remaining(it->second, wall_())) {
        done(too_many(*remaining, "too many wrong PINs for this operator; wait before trying again"));
        return;
      }
    }
    if (checking_.count(operator_id) != 0) {
      done(too_many(std::chrono::milliseconds(1000), "a login for this operator is being checked; try again"));
      return;
    }
    checking_.insert(operator_id);
  }
  {
    std::lock_guard lock(auth_mu_);
    auth_jobs_.push_back([this, device, operator_id, pin, counter, done = std::move(done)]() mutable {
      check_pin(std::move(device), std::move(operator_id), std::move(pin), std::move(counter), std::move(done));
    });
  }
  auth_cv_.notify_one();
}

void Centre::run_auth_worker() {
  for (;;) {
    std::function<void()> job;
    {
      std::unique_lock lock(auth_mu_);
      auth_cv_.wait(lock, [this] { return auth_stop_ || !auth_jobs_.empty(); });
      if (auth_jobs_.empty()) return;
      job = std::move(auth_jobs_.front());
      auth_jobs_.pop_front();
    }
    job();
  }
}

void Centre::check_pin(AuthDevice device, std::string operator_id, std::string pin, std::string counter, Respond done) {
  std::optional<OperatorRecord> op;
  try {
    auto conn = reads_.acquire();
    op = conn->operator_record(operator_id);
  } catch (const store::DbError& e) {
    log_error(std::string("reading operators failed: ") + e.what());
    std::lock_guard lock(throttle_mu_);
    checking_.erase(operator_id);
    done(storage_failed());
    return;
  }
  bool pin_ok = verify_pin(pin, op ? op->pin_hash : decoy_pin_hash()) && op.has_value();
  WriteContext context{device.id, std::nullopt};
  if (!pin_ok) {
    PinFailures record;
    {
      std::lock_guard lock(throttle_mu_);
      auto& current = failures_[operator_id];
      current.operator_id = operator_id;
      current = server::after_failure(current, throttle_, wall_());
      record = current;
      checking_.erase(operator_id);
    }
    log_info("login refused for operator " + operator_id + " on device " + device.id + " (wrong PIN, " +
             std::to_string(record.failures) + " in a row)");
    mutate(
        context,
        [record](domain::Queue&, domain::Instant, Mutation& m) -> std::optional<Response> {
          m.pin_failures = record;
          m.respond = [](const std::vector<std::string>&) {
            return Response::error(401, "wrong_pin", "wrong operator id or PIN");
          };
          return std::nullopt;
        },
        std::move(done));
    return;
  }
  {
    std::lock_guard lock(throttle_mu_);
    failures_.erase(operator_id);
    checking_.erase(operator_id);
  }
  std::string token = random_hex(32);
  AuthSession session{
      secret_hash(token), op->id, op->name, op->role, device.id, counter, wall_() + session_lifetime_.count(),
      op->department};
  const int offset = utc_offset();
  mutate(
      context,
      [this, token, session, offset](domain::Queue& q, domain::Instant now, Mutation& m) -> std::optional<Response> {
        m.clear_pin_failures = session.operator_id;
        if (!session.counter.empty()) {
          const auto* cs = q.counter_state(session.counter);
          if (q.catalogue().counter(session.counter) == nullptr) {
            m.respond = [c = session.counter](const std::vector<std::string>&) {
              return Response::error(404, "unknown_counter", "there is no counter '" + c + "' in this centre");
            };
            return std::nullopt;
          }
          // Logging in again at the counter one already holds (after an app restart) keeps it open.
          if (cs == nullptr || cs->operator_id != session.operator_id) {
            auto opened = q.open_counter(session.counter, session.operator_id, now);
            if (!opened) {
              m.respond = [r = queue_error_response(opened.error())](const std::vector<std::string>&) { return r; };
              return std::nullopt;
            }
            m.record(opened.value(), q, q.business_day());
          }
        }
        m.open_session = SessionRecord{
            session.token_hash, session.operator_id, session.device_id, session.counter, wall_(), session.expires_ms};
        m.respond = [token, session, offset](const std::vector<std::string>&) {
          nlohmann::json body = {
              {"session", token},
              {"operator", session.operator_id},
              {"name", session.name},
              {"role", to_string(session.role)},
              {"counter", session.counter},
              {"expires_at", domain::format_iso_local(domain::from_unix_ms(session.expires_ms), offset)}};
          return Response::json(201, body);
        };
        m.after_commit = [this, session] {
          std::lock_guard lock(sessions_mu_);
          sessions_[session.token_hash] = session;
        };
        return std::nullopt;
      },
      std::move(done));
}

void Centre::logout(const WriteContext& context, const AuthSession& session, Respond done) {
  mutate(
      context,
      [this, session](domain::Queue& q, domain::Instant now, Mutation& m) -> std::optional<Response> {
        if (!session.counter.empty()) {
          const auto* cs = q.counter_state(session.counter);
          if (cs != nullptr && cs->operator_id == session.operator_id) {
            auto closed = q.close_counter(session.counter, session.operator_id, now);
            if (!closed) return queue_error_response(closed.error());
            m.record(closed.value(), q, q.business_day());
          }
        }
        m.close_session = session.token_hash;
        m.respond = [session](const std::vector<std::string>&) {
          return Response::json(200, {{"closed", true}, {"counter", session.counter}});
        };
        m.after_commit = [this, hash = session.token_hash] {
          std::lock_guard lock(sessions_mu_);
          sessions_.erase(hash);
        };
        return std::nullopt;
      },
      std::move(done));
}

void Centre::create_enrollment_code(const AuthDevice& device, const AuthSession& admin, const std::string& kind,
                                    const std::string& chosen_id, const std::string& name,
                                    std::chrono::milliseconds lifetime, Respond done) {
  std::optional<NewEnrollmentCode> made;
  {
    auto conn = reads_.acquire();
    auto prepared = prepare_enrollment_code(*conn, kind, chosen_id, name, lifetime, admin.operator_id, wall_());
    if (!prepared) return done(Response::error(422, "invalid_enrollment_code_request", prepared.error().message));
    made = std::move(prepared).value();
  }
  const int offset = utc_offset();
  // No idempotency key: a stored answer would hold the code in clear. A repeat makes another code;
  // unused codes expire.
  mutate(
      WriteContext{device.id, std::nullopt},
      [made = *made, offset, admin = admin.operator_id](domain::Queue&, domain::Instant,
                                                        Mutation& m) -> std::optional<Response> {
        m.new_enrollment_code = made.record;
        m.respond = [made, offset](const std::vector<std::string>&) {
          nlohmann::json body = {
              {"code", made.code},
              {"kind", to_string(made.record.kind)},
              {"device_id",
               made.record.chosen_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(made.record.chosen_id)},
              {"name", made.record.name},
              {"expires_at", domain::format_iso_local(domain::from_unix_ms(made.record.expires_ms), offset)}};
          Response r = Response::json(201, body);
          r.headers.emplace_back("Cache-Control", "no-store");
          return r;
        };
        m.after_commit = [admin, kind = made.record.kind] {
          log_info(std::string("enrollment code for a ") + to_string(kind) + " created by operator " + admin);
        };
        return std::nullopt;
      },
      std::move(done));
}

std::string Centre::next_device_id(Repository& repo, DeviceKind kind) {
  const std::string prefix = kind == DeviceKind::Kiosk ? "K" : kind == DeviceKind::Counter ? "C" : "B";
  int highest = 0;
  for (const auto& id : repo.device_ids_with_prefix(prefix)) {
    const std::string digits = id.substr(prefix.size());
    if (digits.empty() || digits.size() > 6 || digits.find_first_not_of("0123456789") != std::string::npos) continue;
    highest = std::max(highest, std::stoi(digits));
  }
  for (int n = highest + 1;; ++n) {
    std::string id = prefix + std::to_string(n);
    if (reserved_ids_.count(id) == 0 && !repo.device(id) && !repo.enrollment_id_reserved(id, wall_())) return id;
  }
}

void Centre::forget_device(const std::string& id) {
  {
    std::lock_guard lock(devices_mu_);
    devices_.erase(id);
  }
  activity_.forget(id);
}

void Centre::enroll(const EnrollRequest& request, Respond done) {
  const std::string source = request.source.empty() ? std::string("unknown address") : request.source;
  const std::int64_t now_ms = wall_();
  if (auto remaining = enroll_throttle_.locked(source, now_ms)) {
    return done(too_many(*remaining, "too many wrong enrollment codes from this address; wait before trying again"));
  }
  auto plain = normalize_enrollment_code(request.code);
  if (!plain) {
    return done(Response::error(400, "bad_request",
                                "field 'code' must be an enrollment code: 10 letters and digits such as 7KQ4-M9XT-2R"));
  }
  auto kind = parse_device_kind(request.kind);
  if (!kind) return done(Response::error(400, "bad_request", "field 'kind' must be kiosk, counter or display"));
  if (!valid_device_name(request.name)) {
    return done(Response::error(400, "bad_request", "field 'name' must be up to 100 characters, on one line"));
  }
  const std::string code_hash = enrollment_code_hash(*plain);
  const std::string nonce_hash =
      request.nonce.empty() ? std::string() : enrollment_code_hash("nonce\n" + request.nonce);

  std::unique_lock lock(enroll_mu_);
  if (enrolling_.count(code_hash) != 0) {
    return done(too_many(std::chrono::milliseconds(1000), "this enrollment code is being used right now; try again"));
  }
  std::optional<EnrollmentCodeRecord> code;
  Mutation::Enrollment enrollment;
  std::string refusal_log;
  std::optional<Response> refusal;
  try {
    auto conn = reads_.acquire();
    code = conn->enrollment_code(code_hash);
    const int offset = utc_offset();
    auto at = [offset](std::int64_t ms) { return domain::format_iso_local(domain::from_unix_ms(ms), offset); };
    if (!code) {
      lock.unlock();
      int failures = enroll_throttle_.failed(source, now_ms);
      log_info("enrollment refused from " + source + ": unknown code (" + std::to_string(failures) + " in a row)");
      return done(Response::error(401, "enrollment_code_unknown",
                                  "this enrollment code is not known here; check it, or ask an administrator for a "
                                  "new one"));
    }
    if (enrollment_code_cancelled(*code)) {
      refusal_log = "code cancelled";
      refusal = Response::error(410, "enrollment_code_cancelled",
                                "this enrollment code was cancelled by an administrator on " + at(*code->cancelled_ms) +
                                    "; ask an administrator for a new one");
    } else if (code->used_ms) {
      std::optional<DeviceRecord> device;
      if (!code->device_id.empty()) device = conn->device(code->device_id);
      // Hashes of a random nonce: comparing them in plain time reveals nothing useful.
      const bool same_enrollment = !nonce_hash.empty() && code->nonce_hash == nonce_hash;
      if (same_enrollment && now_ms - *code->used_ms <= std::chrono::milliseconds(kEnrollmentRetryWindow).count() &&
          device && !device->revoked_ms && device->kind == *kind) {
        enrollment.device = *device;
        enrollment.new_device = false;
      } else {
        refusal_log = "code already used";
        refusal = Response::error(410, "enrollment_code_used",
                                  "this enrollment code was already used on " + at(*code->used_ms) +
                                      "; a code works once. Ask an administrator for a new one");
      }
    } else if (code->expires_ms <= now_ms) {
      refusal_log = "code expired";
      refusal = Response::error(
          410, "enrollment_code_expired",
          "this enrollment code expired on " + at(code->expires_ms) + "; ask an administrator for a new one");
    } else if (code->kind != *kind) {
      refusal_log = "code for another kind of device";
      refusal = Response::error(403, "enrollment_kind_mismatch",
                                std::string("this enrollment code is for a ") + to_string(code->kind) + ", not a " +
                                    to_string(*kind) + "; the code stays valid for a " + to_string(code->kind));
    } else if (!code->chosen_id.empty() && (reserved_ids_.count(code->chosen_id) || conn->device(code->chosen_id))) {
      refusal_log = "device id taken";
      refusal = Response::error(
          409, "device_exists",
          "device " + code->chosen_id + " already exists; ask an administrator for a code with another device id");
    } else {
      enrollment.device.id = code->chosen_id.empty() ? next_device_id(*conn, *kind) : code->chosen_id;
      enrollment.device.kind = *kind;
      enrollment.device.name = code->name.empty() ? request.name : code->name;
      enrollment.device.created_ms = now_ms;
      enrollment.new_device = true;
    }
  } catch (const store::DbError& e) {
    log_error(std::string("reading enrollment codes failed: ") + e.what());
    return done(storage_failed());
  }
  if (refusal) {
    lock.unlock();
    log_info("enrollment refused from " + source + ": " + refusal_log);
    return done(std::move(*refusal));
  }
  const std::string secret = random_hex(32);
  enrollment.device.secret_hash = secret_hash(secret);
  enrollment.code_hash = code_hash;
  enrollment.nonce_hash = nonce_hash;
  enrollment.at_ms = now_ms;
  enrolling_.insert(code_hash);
  reserved_ids_.insert(enrollment.device.id);
  lock.unlock();

  const std::string device_id = enrollment.device.id;
  Respond finish = [this, code_hash, device_id, source, done = std::move(done)](Response r) {
    {
      std::lock_guard guard(enroll_mu_);
      enrolling_.erase(code_hash);
      reserved_ids_.erase(device_id);
    }
    if (r.status == 201) enroll_throttle_.succeeded(source);
    done(std::move(r));
  };
  const int offset = utc_offset();
  const std::string centre_id = catalogue_->centre.id;
  const std::string centre_name = catalogue_->centre.name.get();
  mutate(
      WriteContext{device_id, std::nullopt},
      [this, enrollment, secret, offset, centre_id, centre_name](domain::Queue&, domain::Instant now,
                                                                 Mutation& m) -> std::optional<Response> {
        m.enrollment = enrollment;
        m.respond = [enrollment, secret, offset, centre_id, centre_name, now](const std::vector<std::string>&) {
          nlohmann::json body = {{"device_id", enrollment.device.id},
                                 {"kind", to_string(enrollment.device.kind)},
                                 {"name", enrollment.device.name},
                                 {"secret", secret},
                                 {"centre", {{"id", centre_id}, {"name", centre_name}}},
                                 {"time", domain::format_iso_local(now, offset)},
                                 {"repeated", !enrollment.new_device}};
          Response r = Response::json(201, body);
          r.headers.emplace_back("Cache-Control", "no-store");
          return r;
        };
        m.after_commit = [this, enrollment] {
          forget_device(enrollment.device.id);
          const std::string device = "device " + enrollment.device.id + " (" + to_string(enrollment.device.kind) + ")";
          log_info(enrollment.new_device ? device + " enrolled with a code"
                                         : device + " enrolled again with the same code and nonce: new secret");
        };
        return std::nullopt;
      },
      std::move(finish));
}

Centre::Begin Centre::begin_idempotent(const std::string& device, const IdempotencyKey& key, const Respond& done) {
  const std::string slot = idem_slot(device, key.key);
  std::optional<Response> answer;
  {
    std::lock_guard lock(idem_mu_);
    if (auto it = in_flight_.find(slot); it != in_flight_.end()) {
      if (it->second.fingerprint != key.fingerprint) {
        answer = key_reused();
      } else {
        it->second.waiters.push_back(done);
        return Begin::Handled;
      }
    } else {
      std::optional<IdempotencyRecord> record;
      // Most keys are new: the in-memory index says so without touching the database. A replay
      // (rare: a client retrying after a lost answer) reads the stored answer, which is durable
      // and visible to the readers before its key enters the index.
      auto [from, to] = key_index_.equal_range(std::hash<std::string>{}(slot));
      try {
        for (auto candidate = from; candidate != to && !record; ++candidate) {
          auto conn = reads_.acquire();
          auto stored = conn->idempotency_at(candidate->second);
          if (stored && stored->device == device && stored->key == key.key) record = std::move(stored);
        }
      } catch (const store::DbError& e) {
        log_error(std::string("reading idempotency keys failed: ") + e.what());
        answer = storage_failed();
      }
      if (!answer) {
        if (!record) {
          in_flight_.emplace(slot, InFlight{key.fingerprint, {}});
          return Begin::Proceed;
        }
        answer = record->fingerprint == key.fingerprint ? replayed(record->status, record->body) : key_reused();
      }
    }
  }
  done(std::move(*answer));
  return Begin::Handled;
}

void Centre::finish_idempotent(const std::string& device, const IdempotencyKey& key, const Response& response,
                               std::optional<std::int64_t> recorded_as) {
  const bool recorded = recorded_as.has_value();
  const std::string slot = idem_slot(device, key.key);
  std::vector<Respond> waiters;
  {
    std::lock_guard lock(idem_mu_);
    if (auto it = in_flight_.find(slot); it != in_flight_.end()) {
      waiters = std::move(it->second.waiters);
      in_flight_.erase(it);
    }
    // No copy of the answer is kept here: the answering thread, which every answer waits for,
    // would spend a map node, the key twice and the body on each operation for the rare replay.
    if (recorded) key_index_.emplace(std::hash<std::string>{}(slot), *recorded_as);
  }
  if (waiters.empty()) return;
  Response again = recorded ? replayed(response.status, response.body) : response;
  for (auto& w : waiters) w(again);
}

void Centre::mutate(const WriteContext& context, Op op, Respond done) {
  if (context.idempotency && begin_idempotent(context.device, *context.idempotency, done) == Begin::Handled) return;
  auto pending = std::make_shared<PendingWrite>();
  pending->context = context;
  pending->done = std::move(done);

  auto answer_now = [this, &pending](Response r) {
    if (pending->context.idempotency) {
      finish_idempotent(pending->context.device, *pending->context.idempotency, r, std::nullopt);
    }
    pending->done(std::move(r));
  };

  std::unique_lock lock(mu_);
  std::optional<Response> refusal;
  try {
    refusal = op(*queue_, clock_->now(), pending->mutation);
  } catch (const std::exception& e) {
    lock.unlock();
    log_error(std::string("an operation failed unexpectedly: ") + e.what());
    answer_now(Response::error(500, "internal", "the centre server failed to carry out this action"));
    return;
  }
  if (refusal) {
    pending->mutation = Mutation{};
    if (!context.idempotency) {
      lock.unlock();
      pending->done(std::move(*refusal));
      return;
    }
    pending->refusal = std::move(refusal);
  }
  for (auto& e : pending->mutation.events) {
    if (e.event.actor.empty()) {
      // Unreachable from the API, which always names the actor; refusing keeps the record honest.
      lock.unlock();
      answer_now(Response::error(500, "internal", "an action without an actor was refused"));
      return;
    }
  }
  for (auto& e : pending->mutation.events) e.seq = ++next_seq_;
  pending->utc_offset = utc_offset();
  // Submitting under the lock keeps the writer's order equal to the order the queue applied them.
  committer_->submit(
      [this, pending](Repository& repo) {
        pending->wait_prepared();
        auto& m = pending->mutation;
        // Staged for the live feed; published once the batch is durable, dropped if it fails.
        if (!m.events.empty() && !feed_batch_) feed_batch_ = std::make_shared<FeedBatch>();
        for (std::size_t i = 0; i < m.events.size(); ++i) feed_batch_->add(m.events[i].seq, pending->event_json[i]);
        for (std::size_t i = 0; i < m.events.size(); ++i) {
          const auto& e = m.events[i];
          repo.insert_event(EventRecord{e.seq, domain::to_string(e.event.type), e.event.token.id, e.event.counter,
                                        e.event.actor, pending->context.device, domain::to_unix_ms(e.event.at),
                                        pending->event_json[i]});
        }
        for (const auto& [token, day] : m.tokens) repo.upsert_token(token, day);
        if (m.replace_counters) repo.delete_counters();
        for (const auto& c : m.counters) repo.upsert_counter(c);
        for (const auto& l : m.leases) repo.insert_lease(l);
        if (m.open_session) repo.insert_session(*m.open_session);
        if (m.close_session) repo.close_session(*m.close_session, wall_());
        if (m.new_business_day) repo.set_meta("business_day", *m.new_business_day);
        if (m.pin_failures) repo.put_pin_failures(*m.pin_failures);
        if (m.clear_pin_failures) repo.clear_pin_failures(*m.clear_pin_failures);
        if (m.prune_idempotency_before) repo.prune_idempotency(*m.prune_idempotency_before);
        if (m.new_enrollment_code) repo.insert_enrollment_code(*m.new_enrollment_code);
        if (const auto& e = m.enrollment) {
          if (e->new_device) {
            repo.insert_device(e->device);
            // Unreachable: a code being used is held in enrolling_ until its answer is durable.
            if (!repo.use_enrollment_code(e->code_hash, e->at_ms, e->device.id, e->nonce_hash)) {
              throw store::DbError(SQLITE_CONSTRAINT, "an enrollment code was used twice");
            }
          } else {
            repo.set_device_secret(e->device.id, e->device.secret_hash);
          }
        }
        if (const auto& a = m.application) {
          repo.insert_application(a->record);
          int n = 1;
          repo.add_application_history(a->record.receipt, n++, a->first);
          for (const auto& h : a->more) repo.add_application_history(a->record.receipt, n++, h);
          if (a->relay) {
            repo.insert_relay(*a->relay);
            pending->relay_delta.pending += 1;
          }
        }
        for (const auto& u : m.status_updates) {
          repo.update_application_status(u.receipt, u.status, u.updated_ms, u.public_json);
          int n = u.first_n;
          for (const auto& h : u.added) {
            if (n > 0) {
              repo.add_application_history(u.receipt, n++, h);
            } else {
              repo.add_application_history(u.receipt, h);  // counted
            }
          }
        }
        // One statement per run of equal verdicts (a batch's sent entries: one for the batch).
        for (std::size_t i = 0; i < m.relay_marks.size();) {
          const auto& r = m.relay_marks[i];
          std::vector<std::int64_t> seqs;
          for (; i < m.relay_marks.size(); ++i) {
            const auto& o = m.relay_marks[i];
            if (o.state != r.state || o.status != r.status || o.answer != r.answer) break;
            seqs.push_back(o.seq);
          }
          const int moved = repo.mark_relay(seqs, r.state, r.status, r.answer, wall_());
          pending->relay_delta.pending -= moved;
          (r.state == "sent" ? pending->relay_delta.sent : pending->relay_delta.refused) += moved;
        }
        for (const auto& [name, value] : m.meta) repo.set_meta(name, value);
        for (ChangeRecord c : m.changes) {
          c.seq = ++change_seq_;
          repo.upsert_change(c);
          batch_change_max_ = c.seq;
        }
        if (!m.events.empty() && m.queue_day) batch_queue_days_[*m.queue_day] = m.events.back().seq;
        if (m.sync_progress) repo.put_sync_device(*m.sync_progress);
        if (m.server_hlc) repo.set_meta("hlc", *m.server_hlc);
        if (const auto& key = pending->context.idempotency; key && pending->response.status < 500) {
          pending->idempotency_id = repo.insert_idempotency(
              answer_record(pending->context.device, *key, pending->response, m.application, wall_()));
        }
      },
      [this, pending](bool ok, const std::string&) {
        const auto& key = pending->context.idempotency;
        if (!pending->mutation.touched_apps.empty()) release_apps(pending->mutation.touched_apps);
        if (!ok) {
          Response failed = storage_failed();
          if (key) finish_idempotent(pending->context.device, *key, failed, std::nullopt);
          pending->done(std::move(failed));
          return;
        }
        if (pending->mutation.after_commit) pending->mutation.after_commit();
        if (const auto& d = pending->relay_delta; d.pending != 0 || d.sent != 0 || d.refused != 0) {
          relay_pending_ += d.pending;
          relay_sent_ += d.sent;
          relay_refused_ += d.refused;
        }
        if (key) finish_idempotent(pending->context.device, *key, pending->response, pending->idempotency_id);
        pending->done(std::move(pending->response));
      });
  lock.unlock();
  pending->prepare();
}

std::optional<Centre::AppState> Centre::app_state(const std::string& receipt) {
  if (auto it = apps_.find(receipt); it != apps_.end()) return it->second;
  auto conn = reads_.acquire();
  auto record = conn->application(receipt);
  if (!record) return std::nullopt;
  return AppState{*record, conn->application_history(receipt), 0};
}

std::unordered_map<std::string, Centre::AppState> Centre::app_states(const std::vector<std::string>& receipts) {
  std::unordered_map<std::string, AppState> out;
  std::vector<std::string> read;
  for (const auto& r : receipts) {
    if (auto it = apps_.find(r); it != apps_.end()) {
      out.emplace(r, it->second);
    } else {
      read.push_back(r);
    }
  }
  if (read.empty()) return out;
  auto conn = reads_.acquire();
  for (auto& a : conn->application_states(read)) {
    std::string receipt = a.record.receipt;
    out.emplace(std::move(receipt), AppState{std::move(a.record), std::move(a.history), 0});
  }
  return out;
}

bool Centre::apply_central(AppState& state, const std::string& status,
                           const std::vector<ApplicationHistoryEntry>& history,
                           std::vector<ApplicationHistoryEntry>& added) {
  // Central's history starts with what the centre sent it (received, forwarded): the entries past
  // the centre's own are news.
  const std::size_t before = added.size();
  for (std::size_t i = state.history.size(); i < history.size(); ++i) added.push_back(history[i]);
  if (added.size() == before && state.record.status == status) return false;
  for (std::size_t i = before; i < added.size(); ++i) state.history.push_back(added[i]);
  state.record.status = status;
  if (!state.history.empty()) state.record.updated_ms = state.history.back().at_ms;
  return true;
}

void Centre::stage_app(AppState state, Mutation& m) {
  const std::string receipt = state.record.receipt;
  auto& slot = apps_[receipt];
  const int pending = slot.pending;
  slot = std::move(state);
  slot.pending = pending + 1;
  m.touched_apps.push_back(receipt);
}

void Centre::release_apps(const std::vector<std::string>& receipts) {
  std::lock_guard lock(mu_);
  for (const auto& r : receipts) {
    auto it = apps_.find(r);
    if (it != apps_.end() && --it->second.pending <= 0) apps_.erase(it);
  }
}

std::optional<Response> Centre::reserve_receipt(const std::string& receipt, Mutation& m,
                                                const std::unordered_set<std::string>* stored) {
  auto taken = [&receipt] {
    return Response::error(409, "receipt_taken",
                           "receipt " + receipt +
                               " was already filed by another request; a terminal gives "
                               "each receipt number once");
  };
  if (apps_.count(receipt) != 0) return taken();
  {
    std::lock_guard lock(receipts_mu_);
    if (receipts_in_flight_.count(receipt) != 0) return taken();
  }
  if (stored != nullptr) {
    if (stored->count(receipt) != 0) return taken();
  } else {
    auto conn = reads_.acquire();
    if (conn->application_exists(receipt)) return taken();
  }
  {
    std::lock_guard lock(receipts_mu_);
    if (!receipts_in_flight_.insert(receipt).second) return taken();
  }
  // Released once the write is answered: by then it is stored, or it failed.
  m.hold = std::shared_ptr<void>(nullptr, [this, receipt](void*) {
    std::lock_guard lock(receipts_mu_);
    receipts_in_flight_.erase(receipt);
  });
  return std::nullopt;
}

std::optional<Response> Centre::stage_filing(const ApplicationRecord& record, domain::Instant now, Mutation& m,
                                             const std::unordered_set<std::string>* stored) {
  const std::string receipt = record.receipt;
  if (auto refused = reserve_receipt(receipt, m, stored)) return refused;
  Mutation::ApplicationFiling filing;
  filing.record = record;
  filing.record.created_ms = domain::to_unix_ms(now);
  filing.record.updated_ms = filing.record.created_ms;
  filing.first = ApplicationHistoryEntry{"received", filing.record.created_ms, "",
                                         record.operator_id.empty() ? record.device : record.operator_id};
  filing.record.public_json = public_status_json(filing.record, {filing.first}, utc_offset());
  if (relay_) {
    // Queued for central in the transaction that stores it: never lost, never twice.
    RelayEntry relay;
    relay.receipt = receipt;
    relay.origin = record.device;
    relay.hlc = domain::format_hlc(hlc_now());
    relay.received_ms = filing.record.created_ms;
    // No copy of the filing: the relay writes it from the applications row (relay_filing_body).
    filing.relay = std::move(relay);
  }
  const std::string status = filing.record.public_json;
  m.changes.push_back(application_status_change(receipt, ""));
  stage_app(AppState{filing.record, {filing.first}, 0}, m);
  m.application = std::move(filing);
  m.respond = [status](const std::vector<std::string>&) {
    return Response::json_text(201, application_answer(status));
  };
  if (relay_) m.after_commit = [this] { wake_relay(); };
  return std::nullopt;
}

void Centre::wake_relay() {
  std::function<void()> wake;
  {
    std::lock_guard lock(relay_wake_mu_);
    wake = relay_wake_;
  }
  if (wake) wake();
}

void Centre::file_application(const WriteContext& context, ApplicationRecord record, Respond done) {
  mutate(
      context,
      [this, record = std::move(record)](domain::Queue&, domain::Instant now, Mutation& m) -> std::optional<Response> {
        return stage_filing(record, now, m);
      },
      std::move(done));
}

std::optional<Response> Centre::stage_relayed(ApplicationRecord&& record, std::int64_t received_ms, domain::Instant now,
                                              Mutation& m, const std::unordered_set<std::string>* stored) {
  if (auto refused = reserve_receipt(record.receipt, m, stored)) return refused;
  const std::int64_t at = domain::to_unix_ms(now);
  // The record is moved, not copied: the filing's rows and the state kept until they are written
  // (stage_app) are its only copies; the public status is built once and moved into the answer.
  Mutation::ApplicationFiling filing;
  filing.record = std::move(record);
  ApplicationRecord& r = filing.record;
  r.created_ms = at;
  r.updated_ms = at;
  r.status = "with_department";
  filing.first = ApplicationHistoryEntry{"received", received_ms, "", r.device};
  filing.more = {ApplicationHistoryEntry{"forwarded", at, "", r.centre},
                 ApplicationHistoryEntry{"with_department", at, "", r.department}};
  std::vector<ApplicationHistoryEntry> history{filing.first, filing.more[0], filing.more[1]};
  r.public_json = public_status_json(r, history, utc_offset());
  m.changes.push_back(application_status_change(r.receipt, r.centre));
  stage_app(AppState{r, std::move(history), 0}, m);
  std::string status = r.public_json;
  m.application = std::move(filing);
  m.respond = [status = std::move(status)](const std::vector<std::string>&) {
    return Response::json_text(201, application_answer(status));
  };
  return std::nullopt;
}

void Centre::file_applications(std::vector<Filing> filings) {
  // One filing of the batch: its staged rows (a Mutation holding only what a filing writes) and
  // its answer, built under the lock like mutate()'s, written by the one job below.
  struct Staged {
    Filing filing;
    Mutation mutation;
    Response response;
    std::optional<std::int64_t> idempotency_id;
  };
  // Replays and keys in flight first, outside the lock, as mutate() does: begin_idempotent may
  // answer at once, and an answer may start the next write (the upload's progress record).
  // Those that proceed are kept in place, in order (no second vector of them).
  std::size_t kept = 0;
  for (std::size_t i = 0; i < filings.size(); ++i) {
    Filing& f = filings[i];
    if (f.context.idempotency && begin_idempotent(f.context.device, *f.context.idempotency, f.done) == Begin::Handled) {
      continue;
    }
    if (kept != i) filings[kept] = std::move(f);
    ++kept;
  }
  filings.resize(kept, Filing{});
  std::vector<Filing>& proceed = filings;
  if (proceed.empty()) return;
  auto staged = std::make_shared<std::vector<Staged>>();
  staged->reserve(proceed.size());
  // Answered before the job, once the lock is released: a refusal without a key, or an
  // unexpected failure (500, given up under its key).
  struct Now {
    Filing filing;
    Response response;
    bool give_up_key = false;
  };
  std::vector<Now> now_answers;
  {
    std::lock_guard lock(mu_);
    // Which of the batch's receipts are stored: one read for the batch (under the lock, as each
    // filing's own look-up was: a filing answered meanwhile is still in apps_ until it is released).
    // A failed read leaves each filing to its own look-up (answered 500 under its key if that fails).
    std::unordered_set<std::string> stored;
    const std::unordered_set<std::string>* known = &stored;
    try {
      std::vector<std::string> receipts;
      receipts.reserve(proceed.size());
      for (const auto& f : proceed) {
        if (!f.refusal) receipts.push_back(f.record.receipt);
      }
      auto conn = reads_.acquire();
      for (auto& r : conn->stored_receipts(receipts)) stored.insert(std::move(r));
    } catch (const std::exception& e) {
      log_error(std::string("reading which receipts are stored failed: ") + e.what());
      known = nullptr;
    }
    for (auto& f : proceed) {
      // Staged in place (a filing's record and rows are moved once, not again into the vector);
      // taken back out when it is answered now instead.
      Staged& s = staged->emplace_back(std::move(f), Mutation{}, Response{}, std::nullopt);
      std::optional<Response> refusal = std::move(s.filing.refusal);
      try {
        if (!refusal) {
          refusal = role_ == NodeRole::Central ? stage_relayed(std::move(s.filing.record), s.filing.received_ms,
                                                               clock_->now(), s.mutation, known)
                                               : stage_filing(s.filing.record, clock_->now(), s.mutation, known);
        }
      } catch (const std::exception& e) {
        log_error(std::string("an operation failed unexpectedly: ") + e.what());
        now_answers.push_back(Now{std::move(s.filing),
                                  Response::error(500, "internal", "the centre server failed to carry out this action"),
                                  true});
        staged->pop_back();
        continue;
      }
      if (refusal) {
        s.mutation = Mutation{};
        if (!s.filing.context.idempotency) {
          now_answers.push_back(Now{std::move(s.filing), std::move(*refusal), false});
          staged->pop_back();
          continue;
        }
        s.response = std::move(*refusal);
      } else {
        s.response = s.mutation.respond({});
      }
    }
    if (!staged->empty()) {
      // Submitting under the lock keeps the writer's order equal to the order of the writes.
      committer_->submit(
          [this, staged](Repository& repo) {
            for (auto& s : *staged) {
              // The rows mutate() writes for a filing, in its order.
              if (const auto& a = s.mutation.application) {
                repo.insert_application(a->record);
                int n = 1;
                repo.add_application_history(a->record.receipt, n++, a->first);
                for (const auto& h : a->more) repo.add_application_history(a->record.receipt, n++, h);
                if (a->relay) repo.insert_relay(*a->relay);
              }
              for (ChangeRecord& c : s.mutation.changes) {  // numbered in place, not copied
                c.seq = ++change_seq_;
                repo.upsert_change(c);
                batch_change_max_ = c.seq;
              }
              if (const auto& key = s.filing.context.idempotency; key && s.response.status < 500) {
                s.idempotency_id = repo.insert_idempotency(
                    answer_record(s.filing.context.device, *key, s.response, s.mutation.application, wall_()));
              }
            }
          },
          [this, staged](bool ok, const std::string&) {
            std::vector<std::string> touched;
            std::int64_t relayed = 0;
            for (const auto& s : *staged) {
              touched.insert(touched.end(), s.mutation.touched_apps.begin(), s.mutation.touched_apps.end());
              if (s.mutation.application && s.mutation.application->relay) ++relayed;
            }
            if (!touched.empty()) release_apps(touched);
            if (ok && relayed > 0) {
              relay_pending_ += relayed;
              wake_relay();
            }
            for (auto& s : *staged) {
              const auto& key = s.filing.context.idempotency;
              if (!ok) {
                Response failed = storage_failed();
                if (key) finish_idempotent(s.filing.context.device, *key, failed, std::nullopt);
                s.filing.done(std::move(failed));
                continue;
              }
              if (key) finish_idempotent(s.filing.context.device, *key, s.response, s.idempotency_id);
              s.filing.done(std::move(s.response));
            }
          });
    }
  }
  for (auto& n : now_answers) {
    if (n.give_up_key && n.filing.context.idempotency) {
      finish_idempotent(n.filing.context.device, *n.filing.context.idempotency, n.response, std::nullopt);
    }
    n.filing.done(std::move(n.response));
  }
}

const std::map<std::string, std::vector<std::string>>& application_transitions() {
  static const std::map<std::string, std::vector<std::string>> t = {
      {"with_department", {"approved", "rejected"}}, {"approved", {"ready"}}, {"ready", {"delivered"}}};
  return t;
}

void Centre::set_application_status(const WriteContext& context, const AuthSession& officer, const std::string& receipt,
                                    const std::string& status, const std::string& note, Respond done) {
  mutate(
      context,
      [this, officer, receipt, status, note](domain::Queue&, domain::Instant now,
                                             Mutation& m) -> std::optional<Response> {
        auto state = app_state(receipt);
        if (!state) {
          return Response::error(404, "unknown_application", "there is no application with receipt '" + receipt + "'");
        }
        if (state->record.department != officer.department) {
          return Response::error(403, "other_department",
                                 "application " + receipt + " is filed with department '" + state->record.department +
                                     "'; officer " + officer.operator_id + " is of department '" + officer.department +
                                     "'");
        }
        const auto& transitions = application_transitions();
        auto allowed = transitions.find(state->record.status);
        const bool ok = allowed != transitions.end() &&
                        std::find(allowed->second.begin(), allowed->second.end(), status) != allowed->second.end();
        if (!ok) {
          std::string list;
          if (allowed != transitions.end()) {
            for (const auto& a : allowed->second) list += (list.empty() ? "" : " or ") + a;
          }
          return Response::error(409, "transition_not_allowed",
                                 "application " + receipt + " is " + state->record.status + "; it cannot become " +
                                     status + " (" +
                                     (list.empty() ? std::string("no change is allowed from ") + state->record.status
                                                   : "allowed: " + list) +
                                     ")");
        }
        const std::int64_t at = domain::to_unix_ms(now);
        ApplicationHistoryEntry h{status, at, note, officer.operator_id};
        state->history.push_back(h);
        state->record.status = status;
        state->record.updated_ms = at;
        state->record.public_json = public_status_json(state->record, state->history, utc_offset());
        m.status_updates.push_back(Mutation::StatusUpdate{
            receipt, status, at, state->record.public_json, {std::move(h)}, static_cast<int>(state->history.size())});
        const std::string body = state->record.public_json;
        m.changes.push_back(application_status_change(receipt, state->record.centre));
        stage_app(std::move(*state), m);
        m.respond = [body](const std::vector<std::string>&) {
          return Response::json_text(200, application_answer(body));
        };
        return std::nullopt;
      },
      std::move(done));
}

void Centre::relay_answered(std::vector<RelayAnswer> answers, Respond done) {
  mutate(
      WriteContext{node_id(), std::nullopt},
      [this, answers = std::move(answers)](domain::Queue&, domain::Instant now,
                                           Mutation& m) -> std::optional<Response> {
        const std::int64_t at = domain::to_unix_ms(now);
        std::vector<std::string> receipts;
        for (const auto& a : answers) {
          m.relay_marks.push_back(Mutation::RelayMark{a.seq, a.sent ? "sent" : "refused", a.status, a.answer});
          if (a.sent) receipts.push_back(a.receipt);
        }
        auto states = app_states(receipts);
        for (const auto& a : answers) {
          if (!a.sent) continue;
          auto it = states.find(a.receipt);
          // Only a status still "received" becomes "forwarded": central's own news may be here first.
          if (it == states.end() || it->second.record.status != "received") continue;
          AppState& state = it->second;
          ApplicationHistoryEntry h{"forwarded", at, "", node_id()};
          state.history.push_back(h);
          state.record.status = "forwarded";
          state.record.updated_ms = at;
          std::vector<ApplicationHistoryEntry> added{std::move(h)};
          // Central's answer holds the application as central filed it (with_department): applied
          // now as the pull would apply it, so the pull finds it current and writes nothing.
          if (!a.central_status.empty()) {
            apply_central(state, a.central_status, a.central_history, added);
            if (central_current_.size() >= kCentralCurrentMax) central_current_.clear();
            central_current_[a.receipt] = {state.record.status, state.history.size()};
          }
          state.record.public_json = public_status_json(state.record, state.history, utc_offset());
          const int first_n = static_cast<int>(state.history.size() - added.size()) + 1;
          m.status_updates.push_back(Mutation::StatusUpdate{a.receipt, state.record.status, state.record.updated_ms,
                                                            state.record.public_json, std::move(added), first_n});
          m.changes.push_back(application_status_change(a.receipt, ""));
          stage_app(state, m);  // a copy: a later answer of the same receipt builds on it
        }
        m.respond = [](const std::vector<std::string>&) { return Response::json(200, nlohmann::json::object()); };
        return std::nullopt;
      },
      std::move(done));
}

void Centre::apply_upstream(std::vector<UpstreamStatus> statuses, std::string cursor, Respond done) {
  mutate(
      WriteContext{node_id(), std::nullopt},
      [this, statuses = std::move(statuses), cursor = std::move(cursor)](domain::Queue&, domain::Instant,
                                                                         Mutation& m) -> std::optional<Response> {
        std::int64_t applied = 0;
        std::vector<std::string> receipts;
        receipts.reserve(statuses.size());
        // Current as a relay answer left it (same status, no entry past its history): nothing
        // to read or write (apply_central would add nothing).
        std::vector<bool> current(statuses.size(), false);
        for (std::size_t i = 0; i < statuses.size(); ++i) {
          const auto& u = statuses[i];
          auto c = central_current_.find(u.receipt);
          if (c != central_current_.end()) {
            current[i] = c->second.first == u.status && c->second.second >= u.history.size();
            central_current_.erase(c);
          }
          if (!current[i]) receipts.push_back(u.receipt);
        }
        auto states = app_states(receipts);
        for (std::size_t i = 0; i < statuses.size(); ++i) {
          if (current[i]) continue;
          const auto& u = statuses[i];
          auto it = states.find(u.receipt);
          if (it == states.end()) {
            log_error("central sent a status for receipt " + u.receipt + ", which this centre does not hold; skipped");
            continue;
          }
          AppState& state = it->second;
          std::vector<ApplicationHistoryEntry> added;
          if (!apply_central(state, u.status, u.history, added)) continue;
          state.record.public_json = public_status_json(state.record, state.history, utc_offset());
          const int first_n = static_cast<int>(state.history.size() - added.size()) + 1;
          m.status_updates.push_back(Mutation::StatusUpdate{u.receipt, u.status, state.record.updated_ms,
                                                            state.record.public_json, std::move(added), first_n});
          m.changes.push_back(application_status_change(u.receipt, ""));
          stage_app(state, m);  // a copy: a later status of the same receipt builds on it
          ++applied;
        }
        m.meta.emplace_back("upstream_cursor", cursor);
        m.respond = [applied](const std::vector<std::string>&) {
          return Response::json(200, nlohmann::json{{"applied", applied}});
        };
        return std::nullopt;
      },
      std::move(done));
}

const domain::Catalogue* Centre::centre_catalogue(const std::string& id) const {
  auto it = centres_.find(id);
  return it == centres_.end() ? nullptr : it->second.get();
}

std::string Centre::node_id() const { return role_ == NodeRole::Central ? kCentralNode : catalogue_->centre.id; }

void Centre::set_relay_wakeup(std::function<void()> wake) {
  std::lock_guard lock(relay_wake_mu_);
  relay_wake_ = std::move(wake);
}

domain::HlcReceive Centre::observe_hlc(const domain::HlcTime& remote) {
  std::lock_guard lock(hlc_mu_);
  return hlc_->update(remote);
}

domain::HlcTime Centre::hlc_now() {
  std::lock_guard lock(hlc_mu_);
  return hlc_->now();
}

void Centre::record_upload(const std::string& device, std::int64_t applied_seq, const std::string& hlc,
                           const std::string& server_hlc, Response response, Respond done) {
  mutate(
      WriteContext{device, std::nullopt},
      [this, device, applied_seq, hlc, server_hlc, response = std::move(response)](
          domain::Queue&, domain::Instant, Mutation& m) -> std::optional<Response> {
        m.sync_progress = SyncDeviceRecord{device, applied_seq, hlc, wall_()};
        m.server_hlc = server_hlc;
        m.respond = [response](const std::vector<std::string>&) { return response; };
        return std::nullopt;
      },
      std::move(done));
}

void Centre::after_failure(const std::string& error) {
  log_error("storing a batch failed (" + error + "); answering 503 and reloading the queue from the database");
  feed_batch_.reset();
  batch_change_max_ = 0;
  batch_queue_days_.clear();
  std::lock_guard lock(mu_);
  // Jobs still waiting were built on the state that just failed to persist: they fail too.
  committer_->fail_pending("an earlier action in the same batch could not be stored");
  apps_.clear();
  central_current_.clear();
  try {
    auto conn = reads_.acquire();
    restore(*conn);
  } catch (const std::exception& e) {
    log_error(std::string("cannot reload the queue from the database: ") + e.what() + "; stopping");
    std::_Exit(70);
  }
}

std::string Centre::change_cursor(std::int64_t seq) const { return std::to_string(seq) + "." + change_epoch_; }

std::optional<std::int64_t> Centre::change_history_end(std::string_view id) const {
  for (std::size_t i = 0; i < change_epochs_.size(); ++i) {
    if (change_epochs_[i].id != id) continue;
    if (i + 1 == change_epochs_.size()) return std::numeric_limits<std::int64_t>::max();
    return change_epochs_[i + 1].first_seq;
  }
  return std::nullopt;
}

}  // namespace guichet::server
