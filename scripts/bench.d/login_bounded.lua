-- POST /login as login.lua does, counting 503 answers and those of them
-- without Retry-After (issue 15: a full hash queue answers 503 with it).
local users = tonumber(os.getenv("USERS"))
local counter = 0
threadIndex = 0
busy = 0
busyWithoutRetry = 0
local threads = {}
local nextThread = 0
function setup(thread)
  thread:set("threadIndex", nextThread)
  nextThread = nextThread + 1
  table.insert(threads, thread)
end
function request()
  counter = counter + 1
  local n = (threadIndex * 7919 + counter * 104729) % users
  return wrk.format("POST", "/api/v1/users/login", {["Content-Type"] = "application/json"},
    string.format('{"username":"bench%d","password":"bench-password"}', n))
end
function response(status, headers, body)
  if status == 503 then
    busy = busy + 1
    if headers["Retry-After"] == nil then busyWithoutRetry = busyWithoutRetry + 1 end
  end
end
dofile(os.getenv("BENCH_D") .. "/report.lua")
local report = done
function done(summary, latency, requests)
  report(summary, latency, requests)
  local b, missing = 0, 0
  for _, t in ipairs(threads) do
    b = b + t:get("busy")
    missing = missing + t:get("busyWithoutRetry")
  end
  io.write(string.format('WRK_BUSY {"busy":%d,"busy_without_retry_after":%d}\n', b, missing))
end
