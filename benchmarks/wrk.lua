-- wrk script of benchmarks/run.py (`wrk -t N -c N -s benchmarks/wrk.lua URL`): each wrk thread
-- drives one keep-alive connection as one shopper, with that shopper's cookies and CSRF token.
--
-- BENCH_WRK_SPEC names a Lua file written by run.py that returns
--   { method = "POST", path = "/cart/update/", expect = 200,
--     placement = { run = "<hex>", share = 2 },
--     shoppers = { { headers = {...}, bodies = {"...", "..."} }, ... } }
-- A shopper's bodies are sent in turn (the update-line fragment alternates two quantities, so
-- every request really changes the cart); no bodies: a GET. Every answer is checked against
-- `expect`; done() prints one line "BENCH_RESULT {json}" that run.py reads.
--
-- Placement: before its first measured request, each connection asks /bench/place (see
-- benchmarks/bench_urls.py) until it sits on a gunicorn worker that has fewer than `share`
-- connections of this run; on `again` it sends one request with "Connection: close", and wrk
-- reconnects. These few requests are not counted in `requests` (they are in wrk's latency
-- histogram: a handful among thousands).

local spec = dofile(os.getenv("BENCH_WRK_SPEC"))

-- main state: number the threads so that each one picks its own shopper
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("shopper_index", #threads)
end

-- thread state
local shopper
local sent = 0
local placing = spec.placement ~= nil
local leaving = false -- the next request closes the connection
local asked = false -- the answer awaited is a placement
local attempts = 0
local MAX_ATTEMPTS = 40 -- then the worker that answers takes the connection anyway
requests_done = 0
unexpected = 0
body_bytes = 0
first_unexpected = ""

function init(args)
   shopper = spec.shoppers[(shopper_index - 1) % #spec.shoppers + 1]
end

function request()
   if placing then
      asked = not leaving
      if leaving then
         leaving = false
         return wrk.format("GET", "/bench/bare", { ["Connection"] = "close" })
      end
      attempts = attempts + 1
      local p = spec.placement
      return wrk.format("GET", string.format("/bench/place?run=%s&slot=%d&share=%d&force=%d",
         p.run, shopper_index, p.share, attempts >= MAX_ATTEMPTS and 1 or 0))
   end
   sent = sent + 1
   local body = nil
   if shopper.bodies and #shopper.bodies > 0 then
      body = shopper.bodies[(sent - 1) % #shopper.bodies + 1]
   end
   return wrk.format(spec.method, spec.path, shopper.headers, body)
end

function response(status, headers, body)
   if placing then
      if not asked then -- the answer to the closing request
         return
      elseif status ~= 200 then -- the placement view failed: measure anyway, and say so
         placing = false
         unexpected = unexpected + 1
         first_unexpected = "placement: HTTP " .. status .. ": " .. string.sub(body, 1, 200)
      elseif body == "placed" then
         placing = false
      elseif body == "again" then
         leaving = true
      end
      return
   end
   requests_done = requests_done + 1
   body_bytes = body_bytes + #body
   if status ~= spec.expect then
      unexpected = unexpected + 1
      if first_unexpected == "" then
         first_unexpected = "HTTP " .. status .. ": " .. string.sub(body, 1, 200)
      end
   end
end

local function json_string(s)
   s = string.gsub(s, '[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end)
   return '"' .. s .. '"'
end

function done(summary, latency, requests)
   local done_total, unexpected_total, bytes_total, sample, stuck = 0, 0, 0, "", 0
   for _, thread in ipairs(threads) do
      done_total = done_total + thread:get("requests_done")
      unexpected_total = unexpected_total + thread:get("unexpected")
      bytes_total = bytes_total + thread:get("body_bytes")
      if sample == "" then sample = thread:get("first_unexpected") end
   end
   local e = summary.errors
   io.write(string.format(
      'BENCH_RESULT {"requests": %d, "all_requests": %d, "duration_us": %d, "body_bytes": %d, '
         .. '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f, "max_us": %d, '
         .. '"unexpected_status": %d, "connect_errors": %d, "read_errors": %d, "write_errors": %d, '
         .. '"timeouts": %d, "sample": %s}\n',
      done_total, summary.requests, summary.duration, bytes_total,
      latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max,
      unexpected_total, e.connect, e.read, e.write, e.timeout, json_string(sample)))
end
