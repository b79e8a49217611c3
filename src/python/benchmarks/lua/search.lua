-- GET a different search each time: PATHS (from run.py) are every search of one shape that
-- finds seeded flights, in a fixed shuffled order; thread t sends PATHS[t + 1],
-- PATHS[t + 1 + THREADS], ..., wrapping around, so threads never send the same one at once.
function request()
  local i = (number + counter * THREADS) % #PATHS + 1
  counter = counter + 1
  return wrk.format("GET", PATHS[i])
end
