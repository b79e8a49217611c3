-- PUT /reservations (the minimal HSETNX apps): every request a fresh seat (common.lua's
-- fresh_seat), one customer per wrk thread.
local headers = {["Content-Type"] = "application/json"}

function request()
  local flight, seat = fresh_seat(counter)
  counter = counter + 1
  local body = string.format(
    '{"flight_id":"%s","seat_num":"%s","customer_id":"%s-c%d"}', flight, seat, RUN, number)
  return wrk.format("PUT", "/reservations", headers, body)
end
