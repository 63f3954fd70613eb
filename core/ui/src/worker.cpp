#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "guichet/ui/app.hpp"

namespace guichet::ui {

struct Worker::State {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<std::function<void()>> jobs;
  bool running = false;
  bool stop = false;
  std::thread thread;
};

Worker::Worker(std::string name) : state_(std::make_unique<State>()) {
  State* s = state_.get();
  s->thread = std::thread([s, thread_name = std::move(name)] {
    pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());
    std::unique_lock lock(s->mu);
    for (;;) {
      s->cv.wait(lock, [s] { return s->stop || !s->jobs.empty(); });
      if (s->stop) return;
      auto job = std::move(s->jobs.front());
      s->jobs.pop_front();
      s->running = true;
      lock.unlock();
      job();
      lock.lock();
      s->running = false;
    }
  });
}

Worker::~Worker() {
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
    state_->jobs.clear();
  }
  state_->cv.notify_all();
  state_->thread.join();
}

void Worker::run(std::function<void()> job) {
  {
    std::lock_guard lock(state_->mu);
    state_->jobs.push_back(std::move(job));
  }
  state_->cv.notify_one();
}

bool Worker::busy() const {
  std::lock_guard lock(state_->mu);
  return state_->running || !state_->jobs.empty();
}

struct Ticker::State {
  std::mutex mu;
  std::condition_variable cv;
  bool stop = false;
  std::thread thread;
};

Ticker::Ticker(std::string name, std::chrono::milliseconds period, std::function<void()> job)
    : state_(std::make_unique<State>()) {
  State* s = state_.get();
  s->thread = std::thread([s, period, job = std::move(job), thread_name = std::move(name)] {
    pthread_setname_np(pthread_self(), thread_name.substr(0, 15).c_str());
    std::unique_lock lock(s->mu);
    for (;;) {
      // Each wait is a full period from the end of the last job: a slow job is not run back to back.
      if (s->cv.wait_for(lock, period, [s] { return s->stop; })) return;
      lock.unlock();
      job();
      lock.lock();
    }
  });
}

Ticker::~Ticker() {
  {
    std::lock_guard lock(state_->mu);
    state_->stop = true;
  }
  state_->cv.notify_all();
  state_->thread.join();
}

}  // namespace guichet::ui
