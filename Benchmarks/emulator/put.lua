-- PUT of secrets spread over KVO_BENCH_NAMES names per thread (wrk -s put.lua).
dofile(os.getenv("KVO_BENCH_DIR") .. "/summary.lua")
local names = tonumber(os.getenv("KVO_BENCH_NAMES") or "10000")
local token = os.getenv("KVO_BENCH_TOKEN")
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("prefix", "t" .. threads)
end

request = function()
  counter = counter + 1
  local path = "/secrets/bench-" .. (prefix or "t") .. "-" .. tostring(counter % names) .. "?api-version=7.5"
  local body = '{"value":"benchmark-value-' .. tostring(counter) .. '","tags":{"managed-by":"bench"}}'
  return wrk.format("PUT", path, {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
