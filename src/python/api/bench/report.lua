-- Shared by both scenarios: one JSON line with throughput, latency percentiles and statuses.
threads = {}

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[tostring(status)] = (counts[tostring(status)] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(counts) do
    table.insert(parts, string.format('"%s":%d', status, count))
  end
  io.write(string.format(
    'BENCH {"requests":%d,"seconds":%.3f,"p50_ms":%.2f,"p99_ms":%.2f,"socket_errors":%d,'
      .. '"statuses":{%s}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ",")))
end
