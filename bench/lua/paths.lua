-- wrk script for bench/api.py: cycles through the request paths listed in a file, one per line,
-- and prints one JSON line of figures when done.
--
--   wrk -t2 -c8 -d10s -s bench/lua/paths.lua http://127.0.0.1:PORT -- paths.txt
--
-- Each thread starts at a different place in the list, so the connections do not ask for the
-- same path at the same moment. wrk counts only HTTP >= 400 as errors; this script counts every
-- answer outside 200-299 (a redirect or 304 is not what the bench asked for either).

local threads = {}

function setup(thread)
  thread:set("thread_number", #threads)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(paths, line)
    end
  end
  if #paths == 0 then
    error("no paths in " .. args[1])
  end
  index = (thread_number * 7919) % #paths
  non2xx = 0
  wrk.headers["Accept-Language"] = "ja"
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non2xx")
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, bad,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
