-- wrk script for `make bench`: each request is the next line of a requests file (method, path,
-- Cookie header, body, "1" for an htmx request; tab-separated), so that signed-in pages and writes are spread over many
-- learners as on a real site; and a JSON summary line with the percentiles wrk does not print
-- by itself (p95).
-- The request-line reader both bench scripts share, loaded from beside this script.
local request_from = dofile(debug.getinfo(1, "S").source:match("^@(.*/)") .. "requests_file.lua")
local requests, index = {}, 0
local threads = 0

function setup(thread)
  thread:set("thread_number", threads)
  threads = threads + 1
end

function init(args)
  for line in io.lines(args[1]) do
    requests[#requests + 1] = request_from(line)
  end
  -- Threads start at different places in the list.
  index = (thread_number * 7919) % #requests
end

function request()
  index = index % #requests + 1
  return requests[index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "bad_status": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
