-- POST /bookings of two seats, each request a fresh (flight, seat pair) for a fresh customer,
-- so bookings succeed (201) until the pairs in PAIRS (set by run.py) run out; the pairs are
-- split between wrk's threads so that they never compete for a seat.
local index = 0
statuses = {}  -- global: done() reads it from each thread
local first, stride

function setup(thread)
  thread:set("number", #threads)
  table.insert(threads, thread)
end

function init(args)
  first, stride = number, THREADS
end

function request()
  local pair = PAIRS[(first + index * stride) % #PAIRS + 1]
  index = index + 1
  local body = string.format(
    '{"flight_id":%d,"customer_id":"bench-%d-%d","seats":["%s","%s"]}',
    pair[1], first, index, pair[2], pair[3])
  return wrk.format("POST", "/bookings", {["Content-Type"] = "application/json"}, body)
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end
