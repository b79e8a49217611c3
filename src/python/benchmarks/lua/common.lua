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

-- A fresh seat on made-up flights, for the workloads that never meet a held seat: thread t's
-- request n goes to flight "<RUN>-t<t>-f<n // 1089>", seat n % 1089 (rows 1-99 x letters
-- A-K). RUN (from run.py) differs for every wrk run, so runs never meet either.
local letters = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"}

function fresh_seat(n)
  local seat = n % 1089
  return string.format("%s-t%d-f%d", RUN, number, math.floor(n / 1089)),
    string.format("%d%s", math.floor(seat / 11) + 1, letters[seat % 11 + 1])
end
