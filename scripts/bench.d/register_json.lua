-- POST /register as JSON with a unique username per request.
local counter = 0
prefix = nil -- set per thread by setup()
function setup(thread)
  thread:set("prefix", string.format("t%d_%d", os.time() % 100000, math.random(1, 1e9)))
end
function request()
  counter = counter + 1
  local name = prefix .. "_" .. counter
  return wrk.format("POST", "/api/v1/users/register", {["Content-Type"] = "application/json"},
    string.format('{"username":"%s","email":"%s@bench.local","password":"bench-password"}', name, name))
end
dofile(os.getenv("BENCH_D") .. "/report.lua")
