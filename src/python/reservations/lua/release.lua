-- Release a seat held by this customer and log it, in one atomic step (compare-and-delete).
-- KEYS[1]: the flight's hash (seat -> customer); KEYS[2]: the event stream.
-- ARGV: flight_id, seat_num, customer_id, maximum stream length ('0': unbounded), deadline.
-- Returns {'released', event_id} | {'not_held'} | {'held_by_other'} | {'expired'} (past the
-- deadline: nothing done).
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
redis.call('HDEL', KEYS[1], ARGV[2])
return {'released', append_event(KEYS[2], ARGV[4], 'SeatReleased', ARGV[1], ARGV[2], ARGV[3])}
