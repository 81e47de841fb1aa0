-- GET of one path with a bearer token (wrk -s get.lua); nginx's reference run ignores the header.
dofile(os.getenv("KVO_BENCH_DIR") .. "/summary.lua")
wrk.method = "GET"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("KVO_BENCH_TOKEN") or "")
wrk.path = os.getenv("KVO_BENCH_PATH")
