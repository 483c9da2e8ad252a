-- POST /refreshToken: each connection chains the token each answer rotates to.
-- REFRESH_TOKENS holds one refresh token per connection, comma-separated.
local pool = {}
for token in string.gmatch(os.getenv("REFRESH_TOKENS"), "[^,]+") do pool[#pool + 1] = token end
local nextToken = 1
local current
function setup(thread)
  thread:set("assigned", pool[nextToken])
  nextToken = nextToken + 1
end
function request()
  current = current or assigned
  return wrk.format("POST", "/api/v1/users/refreshToken", {["Content-Type"] = "application/json"},
    '{"refreshToken":"' .. current .. '"}')
end
function response(status, headers, body)
  local token = string.match(body, '"RefreshToken":"([^"]+)"')
  if token then current = token end
end
dofile(os.getenv("BENCH_D") .. "/report.lua")
