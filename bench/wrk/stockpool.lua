-- wrk script of bench/api_http.py: builds each request and counts what came back.
--
-- wrk <options> -s stockpool.lua <url> -- <mode> <path> <key> <prefix> <sku> <placed_at>
--   mode get:   GET <path> (with the key unless it is "-")
--   mode order: POST <path>, one 1-unit order of <sku> per request
--   mode batch: POST <path>, {"orders": [...]} of 500 such orders per request
--   mode reserve: POST <path>, one reservation of 1 unit of <sku> per request (a checkout)
-- Every order's external_id is <prefix>-<thread>-<n>, unique in the run; its channel rotates
-- over shopify, amazon and walmart. done() prints one line, "WRK_JSON {...}", for the caller.

local BATCH = 500
local CHANNELS = { "shopify", "amazon", "walmart" }
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("thread_id", #threads)
end

function init(args)
  mode, path, key, prefix, sku, placed_at = args[1], args[2], args[3], args[4], args[5], args[6]
  sent, orders_sent, ok, bad, inner_ok = 0, 0, 0, 0, 0
  wrk.headers["Content-Type"] = "application/json"
  if key ~= "-" then
    wrk.headers["Authorization"] = "Bearer " .. key
  end
  if mode == "get" then
    fixed = wrk.format("GET", path)
  end
end

local function order_json()
  orders_sent = orders_sent + 1
  return string.format(
    '{"channel":"%s","external_id":"%s-%d-%d","lines":[{"sku":"%s","quantity":1}],'
      .. '"placed_at":"%s"}',
    CHANNELS[orders_sent % 3 + 1], prefix, thread_id, orders_sent, sku, placed_at
  )
end

function request()
  sent = sent + 1
  if mode == "get" then
    return fixed
  elseif mode == "order" then
    return wrk.format("POST", path, nil, order_json())
  elseif mode == "reserve" then
    orders_sent = orders_sent + 1
    return wrk.format("POST", path, nil, string.format(
      '{"channel":"%s","reference":"%s-%d-%d","lines":[{"sku":"%s","quantity":1}],'
        .. '"ttl_seconds":3600}',
      CHANNELS[orders_sent % 3 + 1], prefix, thread_id, orders_sent, sku
    ))
  end
  local orders = {}
  for i = 1, BATCH do
    orders[i] = order_json()
  end
  return wrk.format("POST", path, nil, '{"orders":[' .. table.concat(orders, ",") .. "]}")
end

function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
  else
    bad = bad + 1
  end
  if mode == "batch" and body then
    -- Each order's own answer: 201 created (200 would be a replay, none expected).
    for _ in string.gmatch(body, '"status":20[01]') do
      inner_ok = inner_ok + 1
    end
  end
end

function done(summary, latency, requests)
  local total = { sent = 0, orders_sent = 0, ok = 0, bad = 0, inner_ok = 0 }
  for _, thread in ipairs(threads) do
    for name, value in pairs(total) do
      total[name] = value + thread:get(name)
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"duration_us":%.0f,"responses":%.0f,"p50_us":%.0f,"p99_us":%.0f,'
      .. '"sent":%d,"orders_sent":%d,"ok":%d,"bad":%d,"inner_ok":%d,'
      .. '"socket_errors":%d,"timeouts":%d}\n',
    summary.duration, summary.requests, latency:percentile(50), latency:percentile(99),
    total.sent, total.orders_sent, total.ok, total.bad, total.inner_ok,
    e.connect + e.read + e.write, e.timeout
  ))
end
