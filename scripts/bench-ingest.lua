-- wrk script for scripts/bench-ingest: POST a crowd report per request, each from a
-- different client address (X-Forwarded-For, believed because the bench config trusts
-- 127.0.0.1/32), spread over the whole IPv4 space so neither the per-reporter (/24) nor the
-- per-network (/16) rate limit is what gets measured.

local counter = 0
local tid = 0
local kinds = {"website", "app", "login", "connection", "payments", "other"}
local regions = {"FR", "US", "DE", "GB", "JP", "BR"}

function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
end

function init(args)
  -- `thread_id` is the global that setup() set in this thread's Lua state.
  tid = thread_id or 0
  counter = 0
end

request = function()
  counter = counter + 1
  -- A distinct /24 per request: a = 1..223, b = 0..249, c = 0..249 (interleaved per thread).
  local n = counter * 7 + tid
  local a = (n % 223) + 1
  local b = math.floor(n / 223) % 250
  local c = math.floor(n / (223 * 250)) % 250
  local xff = string.format("%d.%d.%d.7", a, b, c)
  local i = (counter % 6) + 1
  local body = string.format('{"kind":"%s","region":"%s","note":"bench"}', kinds[i], regions[i])
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["X-Forwarded-For"] = xff,
  }, body)
end
