-- PUT /reservations (the reservations service and the minimal HSETNX apps): every request a
-- fresh seat. Thread t's request n goes to flight "<RUN>-t<t>-f<n // 1089>", seat n % 1089
-- (rows 1-99 x letters A-K). RUN (from run.py) differs for every wrk run, so runs never
-- meet either.
local letters = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"}
local headers = {["Content-Type"] = "application/json"}

function request()
  local flight, seat = math.floor(counter / 1089), counter % 1089
  counter = counter + 1
  local body = string.format(
    '{"flight_id":"%s-t%d-f%d","seat_num":"%d%s","customer_id":"%s-c%d"}',
    RUN, number, flight, math.floor(seat / 11) + 1, letters[seat % 11 + 1], RUN, number)
  return wrk.format("PUT", "/reservations", headers, body)
end
