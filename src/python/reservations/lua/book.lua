-- Book seats of one flight for one customer, all or nothing, in one atomic step: hold every
-- seat, record the booking, log one SeatReserved event per seat, remember the idempotency key.
-- KEYS: [1] the flight's hash (seat -> customer), [2] the event stream, [3] the flight's
--   seat -> booking id hash, [4] the customer's bookings (a zset), [5] the idempotency
--   record, only when the client sent a key.
-- ARGV: [1] flight_id, [2] customer_id, [3] the seats, comma-joined, [4] the id's random
--   part (16 Crockford base32 digits), [5] the idempotency record's lifetime in seconds,
--   [6] maximum stream length ('0': unbounded), [7] deadline.
-- Returns {'booked', id, booking} | {'replayed', id, booking} (booking: its hash as HGETALL
-- gives it) | {'taken', {seat, holder, ...}} (the requested seats someone holds: nothing
-- done) | {'key_mismatch'} | {'expired'} (past the deadline: nothing done).

local CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'

-- ID plus one, in base 32.
local function successor(id)
  local last = #id
  while id:sub(last, last) == 'Z' do
    last = last - 1
  end
  local digit = CROCKFORD:find(id:sub(last, last), 1, true)
  return id:sub(1, last - 1) .. CROCKFORD:sub(digit + 1, digit + 1) .. string.rep('0', #id - last)
end

-- A ULID: NOW (ms) as 10 base-32 digits, so that ids sort by creation, then the random part.
-- A customer's bookings list newest first even when two are made in one millisecond or
-- Redis' clock steps back: an id that would not sort after the customer's newest booking
-- is that booking's id plus one instead (ULID's monotonic rule).
local function new_booking_id(now, random_part, customer_bookings)
  local time_part = ''
  for _ = 1, 10 do
    local digit = now % 32
    time_part = CROCKFORD:sub(digit + 1, digit + 1) .. time_part
    now = (now - digit) / 32
  end
  local id = time_part .. random_part
  local newest = redis.call('ZRANGE', customer_bookings, '+', '[' .. id, 'BYLEX', 'REV',
    'LIMIT', 0, 1)[1]
  if newest then
    return successor(newest)
  end
  return id
end

local flight_id, customer_id, joined = ARGV[1], ARGV[2], ARGV[3]
local idempotency = KEYS[5]

-- A key used before: the same request gets its booking as it is now, another one is refused.
-- Neither changes anything.
if idempotency then
  local record = redis.call('GET', idempotency)
  if record then
    local booking_id, request = record:match('^(%S+) (.*)$')
    if request ~= flight_id .. ' ' .. joined then
      return {'key_mismatch'}
    end
    return {'replayed', booking_id, redis.call('HGETALL', booking_key(booking_id))}
  end
end
if past_deadline(ARGV[7]) then
  return {'expired'}
end

local seats = split_seats(joined)
local holders = redis.call('HMGET', KEYS[1], unpack(seats))
local held = {}
for i, seat in ipairs(seats) do
  if holders[i] then
    held[#held + 1] = seat
    held[#held + 1] = holders[i]
  end
end
if #held > 0 then
  return {'taken', held}
end

local now = now_ms()
local booking_id = new_booking_id(now, ARGV[4], KEYS[4])
for _, seat in ipairs(seats) do
  redis.call('HSET', KEYS[1], seat, customer_id)
  redis.call('HSET', KEYS[3], seat, booking_id)
  append_event(KEYS[2], ARGV[6], 'SeatReserved', flight_id, seat, customer_id)
end
local booking = booking_key(booking_id)
redis.call('HSET', booking, 'flight_id', flight_id, 'customer_id', customer_id,
  'seats', joined, 'status', 'confirmed', 'created_at', now)
redis.call('ZADD', KEYS[4], 0, booking_id)
if idempotency then
  redis.call('SET', idempotency, booking_id .. ' ' .. flight_id .. ' ' .. joined, 'EX', ARGV[5])
end
return {'booked', booking_id, redis.call('HGETALL', booking)}
