-- Shared by reserve.lua and release.lua (prepended to each): append one event to the log.
--
-- The event time comes from the Redis server's clock (TIME), not from the service: every
-- replica of the service then stamps events with one clock, taken inside the same atomic step
-- that orders the log, so times cannot run backwards between replicas with skewed clocks.

-- Days since 1970-01-01 to a civil date (H. Hinnant's civil_from_days); Lua here has no os.date.
local function civil_from_days(days)
  local z = days + 719468
  local era = math.floor(z / 146097)
  local doe = z - era * 146097
  local yoe = math.floor((doe - math.floor(doe / 1460) + math.floor(doe / 36524)
    - math.floor(doe / 146096)) / 365)
  local doy = doe - (365 * yoe + math.floor(yoe / 4) - math.floor(yoe / 100))
  local mp = math.floor((5 * doy + 2) / 153)
  local day = doy - math.floor((153 * mp + 2) / 5) + 1
  local month = mp < 10 and mp + 3 or mp - 9
  local year = yoe + era * 400 + (month <= 2 and 1 or 0)
  return year, month, day
end

-- ISO 8601 UTC with microseconds, e.g. 2026-05-01T12:30:00.123456Z.
local function iso8601_utc(seconds, micros)
  local days = math.floor(seconds / 86400)
  local rest = seconds - days * 86400
  local year, month, day = civil_from_days(days)
  return string.format('%04d-%02d-%02dT%02d:%02d:%02d.%06dZ', year, month, day,
    math.floor(rest / 3600), math.floor(rest / 60) % 60, rest % 60, micros)
end

-- XADD the event; maxlen '0' keeps every event, otherwise trim to about maxlen entries
-- ('~' lets Redis drop whole radix-tree nodes, which is far cheaper than an exact trim).
local function append_event(stream, maxlen, event_type, flight_id, seat_num, customer_id)
  local now = redis.call('TIME')
  local time = iso8601_utc(tonumber(now[1]), tonumber(now[2]))
  local fields = {'type', event_type, 'time', time, 'flight_id', flight_id,
    'seat_num', seat_num, 'customer_id', customer_id}
  if maxlen == '0' then
    return redis.call('XADD', stream, '*', unpack(fields))
  end
  return redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', unpack(fields))
end
