-- Cancel a booking: free every seat it holds and log one SeatReleased event per seat, in one
-- atomic step. Only the booking's customer may cancel it; cancelling it again changes nothing.
-- KEYS[1]: the booking's hash; KEYS[2]: the event stream.
-- ARGV: customer_id, maximum stream length ('0': unbounded), deadline.
-- Returns {'cancelled'} | {'already_cancelled'} | {'not_found'} | {'other_customer'} |
-- {'expired'} (past the deadline: nothing done).
-- Every seat a confirmed booking lists is held by its customer for it: book.lua and
-- release.lua keep it so.
if past_deadline(ARGV[3]) then
  return {'expired'}
end
local booking = redis.call('HMGET', KEYS[1], 'flight_id', 'customer_id', 'seats', 'status')
local flight_id, customer_id, seats, status = booking[1], booking[2], booking[3], booking[4]
if not flight_id then
  return {'not_found'}
end
if customer_id ~= ARGV[1] then
  return {'other_customer'}
end
if status == 'cancelled' then
  return {'already_cancelled'}
end
for _, seat in ipairs(split_seats(seats)) do
  free_seat(seats_key(flight_id), seat_bookings_key(flight_id), KEYS[2], ARGV[2], flight_id,
    seat, customer_id)
end
redis.call('HSET', KEYS[1], 'status', 'cancelled', 'cancelled_at', now_ms())
return {'cancelled'}
