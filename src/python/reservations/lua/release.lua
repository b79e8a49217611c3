-- Release a seat held by this customer and log it, in one atomic step (compare-and-delete).
-- The seat leaves its booking too; a booking that loses its last seat is cancelled and keeps
-- that seat listed.
-- KEYS[1]: the flight's hash (seat -> customer); KEYS[2]: the event stream; KEYS[3]: the
-- flight's seat -> booking id hash.
-- ARGV: flight_id, seat_num, customer_id, maximum stream length ('0': unbounded), deadline.
-- Returns {'released', event_id} | {'not_held'} | {'held_by_other'} | {'expired'} (past the
-- deadline: nothing done).

local function leave_booking(booking, seat_num)
  local seats = split_seats(redis.call('HGET', booking, 'seats'))
  if #seats == 1 then
    redis.call('HSET', booking, 'status', 'cancelled', 'cancelled_at', now_ms())
    return
  end
  for i, seat in ipairs(seats) do
    if seat == seat_num then
      table.remove(seats, i)
      break
    end
  end
  redis.call('HSET', booking, 'seats', table.concat(seats, ','))
end

if past_deadline(ARGV[5]) then
  return {'expired'}
end
local holder = redis.call('HGET', KEYS[1], ARGV[2])
if not holder then
  return {'not_held'}
end
if holder ~= ARGV[3] then
  return {'held_by_other'}
end
local booking_id = redis.call('HGET', KEYS[3], ARGV[2])
local event_id = free_seat(KEYS[1], KEYS[3], KEYS[2], ARGV[4], ARGV[1], ARGV[2], ARGV[3])
if booking_id then -- seats held since before bookings existed have none
  leave_booking(booking_key(booking_id), ARGV[2])
end
return {'released', event_id}
