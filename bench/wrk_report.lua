-- wrk script for `make bench`: optional POST body from the arguments, and a JSON summary line
-- with the percentiles wrk does not print by itself (p95).
local method, body = "GET", nil

function init(args)
  if args[1] == "POST" then
    method, body = "POST", args[2]
    wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
end

function request()
  return wrk.format(method, nil, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "socket_errors": %d, "bad_status": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
