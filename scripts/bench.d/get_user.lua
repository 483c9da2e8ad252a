-- GET /getUser with a Bearer token (TOKEN in the environment).
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
dofile(os.getenv("BENCH_D") .. "/report.lua")
