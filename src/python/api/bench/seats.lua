-- GET /flights/{id}/seats, cycling through the flight ids in FLIGHTS (set by run.py).
local index = 0
statuses = {}  -- global: done() reads it from each thread

function setup(thread)
  table.insert(threads, thread)
end

function request()
  index = index % #FLIGHTS + 1
  return wrk.format("GET", "/flights/" .. FLIGHTS[index] .. "/seats")
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end
