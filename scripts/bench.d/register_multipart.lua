-- POST /register as multipart with two 1 MiB images, unique per request (so
-- every request stores two new files).
local counter = 0
prefix = nil -- set per thread by setup()
local boundary = "usersvcBenchBoundary"
local png = "\137PNG\r\n\26\n" .. string.rep("p", 1024 * 1024 - 8 - 16)
local jpg = "\255\216\255\224" .. string.rep("j", 1024 * 1024 - 4 - 16)
function setup(thread)
  thread:set("prefix", string.format("m%d_%d", os.time() % 100000, math.random(1, 1e9)))
end
local function part(name, value)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"\r\n\r\n" .. value .. "\r\n"
end
local function file(name, filename, bytes)
  return "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"" .. name .. "\"; filename=\"" ..
    filename .. "\"\r\nContent-Type: application/octet-stream\r\n\r\n" .. bytes .. "\r\n"
end
function request()
  counter = counter + 1
  local name = prefix .. "_" .. counter
  local unique = string.format("%016d", counter)
  local body = part("username", name) .. part("email", name .. "@bench.local") ..
    part("password", "bench-password") .. file("Avatar", "a.png", png .. unique) ..
    file("CoverImg", "c.jpg", jpg .. unique) .. "--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/api/v1/users/register",
    {["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body)
end
dofile(os.getenv("BENCH_D") .. "/report.lua")
