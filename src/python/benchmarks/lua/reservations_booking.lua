-- POST /bookings straight to the reservations service: every booking one fresh seat
-- (common.lua's fresh_seat), one customer per wrk thread, and a new Idempotency-Key each
-- time, as the API layer always sends one.
function request()
  local flight, seat = fresh_seat(counter)
  counter = counter + 1
  local headers = {
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("%s-t%d-k%d", RUN, number, counter),
  }
  local body = string.format(
    '{"flight_id":"%s","customer_id":"%s-c%d","seats":["%s"]}', flight, RUN, number, seat)
  return wrk.format("POST", "/bookings", headers, body)
end
