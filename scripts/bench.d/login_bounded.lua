-- POST /login as login.lua does, counting 503 answers and those of them
-- without Retry-After (issue 15: a full hash queue answers 503 with it).
dofile(os.getenv("BENCH_D") .. "/login.lua")
busy = 0
busyWithoutRetry = 0
local threads = {}
local loginSetup = setup
function setup(thread)
  loginSetup(thread)
  table.insert(threads, thread)
end
function response(status, headers, body)
  if status == 503 then
    busy = busy + 1
    if headers["Retry-After"] == nil then busyWithoutRetry = busyWithoutRetry + 1 end
  end
end
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
