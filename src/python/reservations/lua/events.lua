-- Shared by reserve.lua and release.lua (prepended to each): append one event to the log.
--
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
