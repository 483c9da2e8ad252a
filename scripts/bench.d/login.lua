-- POST /login cycling through the seeded users bench<N> (USERS of them).
local users = tonumber(os.getenv("USERS"))
local counter = 0
threadIndex = 0 -- set per thread by setup()
local nextThread = 0
function setup(thread)
  thread:set("threadIndex", nextThread)
  nextThread = nextThread + 1
end
function request()
  counter = counter + 1
  local n = (threadIndex * 7919 + counter * 104729) % users
  return wrk.format("POST", "/api/v1/users/login", {["Content-Type"] = "application/json"},
    string.format('{"username":"bench%d","password":"bench-password"}', n))
end
dofile(os.getenv("BENCH_D") .. "/report.lua")
