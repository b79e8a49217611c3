-- Shared by every script (prepended to each): Redis' clock, the deadline fence, and
-- appending one event to the log.

-- Redis' clock, in milliseconds since the epoch.
local function now_ms()
  local now = redis.call('TIME')
  return tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
end

-- The deadline fence:
-- A command can reach Redis after the service has given up waiting for it (packets held in
-- a kernel or network queue while a partition lasts, or a stalled Redis). By then the
-- service has answered 503 and the client has moved on; running the command late would, for
-- example, hold seats for a booking the client was told had failed. So each command that
-- changes something carries the service's deadline (ms since the epoch, its last ARGV) and
-- changes nothing once Redis' clock is past it.
local function past_deadline(deadline)
  return now_ms() > tonumber(deadline)
end

-- Appending an event:
-- The event's time is its id: XADD '*' stamps the entry with Redis' own clock in
-- milliseconds (never going backwards along the stream), in the same atomic step as the
-- change. So no time field is stored: one clock for all service replicas, free of charge.
-- maxlen '0' keeps every event, otherwise trim to about maxlen entries ('~' lets Redis
-- drop whole radix-tree nodes, which is far cheaper than an exact trim).
local function append_event(stream, maxlen, event_type, flight_id, seat_num, customer_id)
  if maxlen == '0' then
    return redis.call('XADD', stream, '*', 'type', event_type, 'flight_id', flight_id,
      'seat_num', seat_num, 'customer_id', customer_id)
  end
  return redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'type', event_type,
    'flight_id', flight_id, 'seat_num', seat_num, 'customer_id', customer_id)
end
