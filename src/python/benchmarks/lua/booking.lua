-- POST /bookings through the API layer: SEATS seats of one flight, every request seats nobody
-- holds, so every booking succeeds (201). Each carries an Idempotency-Key of its own, as a
-- client should send, and the bearer token of one of the run's customers (the customer is
-- the token's subject: the body names none). The tokens were minted before the run.
--
-- From run.py: FLIGHTS = {{flight id, layout index}, ...}, LAYOUTS = {{"1A", "1B", ...}, ...}
-- (the seat numbers of each seat map), SEATS, WINDOW, START, THREADS, RUN, TOKENS (one per
-- customer; group g books for customer g modulo their number).
--
-- The seats are cut into groups of SEATS; groups are taken WINDOW flights at a time, one
-- group per flight in turn, so flights fill evenly and the API layer's seat map cache holds
-- every flight in use. Group g is the g-th in that order (benchmarks.workloads.booking_groups
-- computes the same order); thread t takes groups START + t, START + t + THREADS, ..., so
-- threads never compete for a seat, and run.py moves START past what a run used.
local flight_of, first_seat_of = {}, {}

function init(args)
  for window = 1, #FLIGHTS, WINDOW do
    local last = math.min(window + WINDOW - 1, #FLIGHTS)
    local layer, added = 0, true
    while added do
      added = false
      for f = window, last do
        local first = layer * SEATS + 1
        if first + SEATS - 1 <= #LAYOUTS[FLIGHTS[f][2]] then
          flight_of[#flight_of + 1], first_seat_of[#first_seat_of + 1] = f, first
          added = true
        end
      end
      layer = layer + 1
    end
  end
end

function request()
  local g = START + number + counter * THREADS
  counter = counter + 1
  -- Past the last group it wraps around: those bookings then conflict (409) and count as
  -- errors, and run.py says the seats ran out.
  local i = g % #flight_of + 1
  local flight = FLIGHTS[flight_of[i]]
  local seats, chosen = LAYOUTS[flight[2]], {}
  for k = 0, SEATS - 1 do
    chosen[#chosen + 1] = '"' .. seats[first_seat_of[i] + k] .. '"'
  end
  local body = string.format(
    '{"flight_id":%d,"seats":[%s]}', flight[1], table.concat(chosen, ","))
  local headers = {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = RUN .. "-k" .. g,
    ["Authorization"] = "Bearer " .. TOKENS[g % #TOKENS + 1],
  }
  return wrk.format("POST", "/bookings", headers, body)
end
