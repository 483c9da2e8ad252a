dofile(os.getenv("BENCH_D") .. "/report.lua")
