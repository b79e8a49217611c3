-- Shared by every workload (run.py puts its variables first, then this, then the workload):
-- each thread counts the requests it generated, and done() prints one JSON line that
-- benchmarks/wrk.py parses. No response() callback: wrk would then copy every response into
-- Lua, which costs wrk CPU on the same cores as the servers; wrk's own counters say enough
-- (errors.status counts the responses with a status of 400 or more).
threads = {}
counter = 0  -- global: done() reads it from each thread

function setup(thread)
  thread:set("number", #threads)  -- 0, 1, ...
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local most = 0
  for _, thread in ipairs(threads) do
    local generated = thread:get("counter")
    if generated > most then most = generated end
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,'
      .. '"non_2xx_3xx":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,'
      .. '"max_thread_requests":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.status, e.connect, e.read, e.write, e.timeout, most))
end
