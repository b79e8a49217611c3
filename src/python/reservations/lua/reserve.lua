-- Reserve a seat and log it, in one atomic step.
-- KEYS[1]: the flight's hash (seat -> customer); KEYS[2]: the event stream.
-- ARGV: flight_id, seat_num, customer_id, maximum stream length ('0': unbounded), deadline.
-- Returns {'newly', event_id} | {'already'} | {'taken'} | {'expired'} (past the deadline:
-- nothing done); never who holds a taken seat.
-- HSETNX first: the common case (a free seat) costs one command besides the XADD.
if past_deadline(ARGV[5]) then
  return {'expired'}
end
if redis.call('HSETNX', KEYS[1], ARGV[2], ARGV[3]) == 1 then
  return {'newly', append_event(KEYS[2], ARGV[4], 'SeatReserved', ARGV[1], ARGV[2], ARGV[3])}
end
return {redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[3] and 'already' or 'taken'}
