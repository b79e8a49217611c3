-- Shared by the scripts that change bookings (prepended after events.lua): key names and
-- giving a seat back.
--
-- The key names are store.py's. A script builds the names it learns only while running (a
-- new booking's id, the flight of the booking being cancelled), so Redis must not be a
-- cluster.
local function seats_key(flight_id)
  return 'reservations:seats:' .. flight_id
end

local function seat_bookings_key(flight_id)
  return 'reservations:seat-bookings:' .. flight_id
end

local function booking_key(booking_id)
  return 'reservations:booking:' .. booking_id
end

-- A booking stores its seats comma-joined, in the order they were requested.
local function split_seats(joined)
  local seats = {}
  for seat in joined:gmatch('[^,]+') do
    seats[#seats + 1] = seat
  end
  return seats
end

-- The seat is free again and belongs to no booking; a SeatReleased event says so. Returns
-- the event's id.
local function free_seat(seats, seat_bookings, stream, maxlen, flight_id, seat_num, customer_id)
  redis.call('HDEL', seats, seat_num)
  redis.call('HDEL', seat_bookings, seat_num)
  return append_event(stream, maxlen, 'SeatReleased', flight_id, seat_num, customer_id)
end
