-- wrk script for the cold runs of `make bench`: every request is a different line of a requests
-- file (the same tab-separated format as wrk_report.lua: method, path, Cookie header, body, "1"
-- for an htmx request), and no line is sent twice, so that no request can be answered from a
-- page cached by an earlier one. Arguments after "--": the file and the number of wrk threads.
--
-- Thread k sends lines k+1, k+1+T, k+1+2T, … (T threads): the threads' shares are disjoint.
-- When a thread's share runs out, each of its connections waits (delay() returns an hour)
-- instead of sending again, and once its last answer is in, the thread stops. wrk itself still
-- waits out -d and divides by it, so the rate is computed here instead, from the first request
-- sent to the last answer received, with a monotonic clock.
--
-- Answers are counted by status class (wrk's own count takes only statuses >= 400 as errors;
-- here a redirect counts against the run as well). The summary goes out as one line
-- "BENCH_ONCE_JSON {...}" with, per run: lines in the file, lines sent, answers by class,
-- microseconds between the first request and the last answer, p50/p95/p99 latency, socket
-- errors, and reconnects after a thread's share ran out (the server closing a connection that
-- waited idle past its keep-alive: wrk counts those as read errors, they are not the pages').
-- The request-line reader both bench scripts share, loaded from beside this script.
local request_from = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "requests_file.lua")
local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clock_id, bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local clock_buffer = ffi.new("bench_timespec")

local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock_buffer)
  return tonumber(clock_buffer.tv_sec) * 1e6 + tonumber(clock_buffer.tv_nsec) / 1e3
end

local IDLE_MS = 3600 * 1000
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  threads[#threads + 1] = thread
end

-- Per thread (globals, so that done() can read them with thread:get()).
lines_total, reserved, sent, answered = 0, 0, 0, 0
ok_2xx, redirect_3xx, client_4xx, server_5xx = 0, 0, 0, 0
first_us, last_us = 0, 0
parked, connections_per_thread, overrun = 0, 0, 0

local requests = {}
local started = false

function init(args)
  local thread_count = tonumber(args[2])
  connections_per_thread = tonumber(args[3])
  local number = 0
  for line in io.lines(args[1]) do
    lines_total = lines_total + 1
    if number % thread_count == thread_number then
      requests[#requests + 1] = request_from(line)
    end
    number = number + 1
  end
end

-- Done when the share has run out and every answer is in, or every connection waits (one
-- whose request was lost, the server having closed the connection, waits too in the end).
local function stop_when_drained()
  local all_answered = sent == reserved and answered == sent
  if reserved == #requests and (all_answered or parked >= connections_per_thread) then
    wrk.thread:stop()
  end
end

-- Called before each request of a connection: a line is reserved for it, or, when the share
-- has run out, the connection waits for good.
function delay()
  started = true
  if reserved < #requests then
    reserved = reserved + 1
    return 0
  end
  parked = parked + 1
  stop_when_drained()
  return IDLE_MS
end

function request()
  if not started then
    -- wrk calls request() once before the run to check the script, and sends nothing.
    return requests[1] or wrk.format("GET", "/")
  end
  if sent == reserved then
    -- No delay() first: a connection the server closed with a request in flight sends again.
    if reserved == #requests then
      overrun = overrun + 1 -- nothing left to send: the last line again, and the run fails
      return requests[#requests]
    end
    reserved = reserved + 1
  end
  if sent == 0 then
    first_us = now_us()
  end
  sent = sent + 1
  return requests[sent]
end

function response(status, headers, body)
  answered = answered + 1
  last_us = now_us()
  if status < 300 then
    ok_2xx = ok_2xx + 1
  elseif status < 400 then
    redirect_3xx = redirect_3xx + 1
  elseif status < 500 then
    client_4xx = client_4xx + 1
  else
    server_5xx = server_5xx + 1
  end
  stop_when_drained()
end

function done(summary, latency, _requests)
  local totals = {
    lines = 0, sent = 0, answered = 0, ok_2xx = 0, redirect_3xx = 0, client_4xx = 0,
    server_5xx = 0, idle_reconnects = 0, overrun = 0,
  }
  local first, last = math.huge, 0
  for _, thread in ipairs(threads) do
    totals.lines = thread:get("lines_total") -- every thread reads the whole file
    totals.sent = totals.sent + thread:get("sent")
    totals.answered = totals.answered + thread:get("answered")
    for _, name in ipairs({ "ok_2xx", "redirect_3xx", "client_4xx", "server_5xx", "overrun" }) do
      totals[name] = totals[name] + thread:get(name)
    end
    -- Each connection parks once when the share runs out; any more parks followed a reconnect.
    local extra = thread:get("parked") - thread:get("connections_per_thread")
    totals.idle_reconnects = totals.idle_reconnects + math.max(0, extra)
    if thread:get("sent") > 0 then
      first = math.min(first, thread:get("first_us"))
      last = math.max(last, thread:get("last_us"))
    end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_ONCE_JSON {"lines": %d, "sent": %d, "answered": %d, "ok_2xx": %d, ' ..
    '"redirect_3xx": %d, "client_4xx": %d, "server_5xx": %d, "elapsed_us": %d, ' ..
    '"socket_errors": %d, "idle_reconnects": %d, "overrun": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    totals.lines, totals.sent, totals.answered, totals.ok_2xx, totals.redirect_3xx,
    totals.client_4xx, totals.server_5xx, last > first and (last - first) or 0,
    e.connect + e.read + e.write + e.timeout, totals.idle_reconnects, totals.overrun,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
