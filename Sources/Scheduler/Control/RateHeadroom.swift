import RedisKit

/// `rate_headroom` (read-only, `no-writes`): for every task type with a rate limit or a
/// `max_concurrent` in the namespace's settings, how many starts the rate limit allows right
/// now — the same GCRA state and settings `rate_check` admits by, read at Redis's clock, so
/// `status` shows what dispatch will do rather than a second copy of the maths.
/// Contract: above its registration below.
enum RateHeadroomFunction {
    static let source = #"""
--[[ rate_headroom: starts each limited task type may make now (read-only, no-writes).
  KEYS[1]  events stream
  Reply    one entry per type with a rate limit or max_concurrent, sorted by type, each
           {'type', t, 'per_second', r, 'burst', n, 'available', n (-1: no rate limit),
           'running', n, 'max_concurrent', n}
  Errors   none
  Writes   nothing
]]
redis.register_function{function_name = 'rate_headroom', flags = {'no-writes'}, callback = function(keys, args)
  begin(keys)
  local seen, types = {}, {}
  for name, _ in pairs(C) do
    local kind, ttype = string.match(name, '^(%a+):(.+)$')
    if (kind == 'rate' or kind == 'max') and ttype ~= '*' and not seen[ttype] then
      seen[ttype] = true
      types[#types + 1] = ttype
    end
  end
  table.sort(types)
  local out = {}
  for _, ttype in ipairs(types) do
    local rate = cnum('rate:' .. ttype, cnum('rate:*'))
    local burst = cnum('burst:' .. ttype, cnum('burst:*'))
    if burst < 1 then burst = 1 end
    local available = -1
    if rate > 0 then
      local period = 1000 / rate
      local tat = tonumber(redis.call('GET', K('rate:' .. ttype))) or NOW
      if tat < NOW then tat = NOW end
      available = math.max(0, math.min(burst, math.floor((NOW - tat) / period) + burst))
    end
    out[#out + 1] = {'type', ttype, 'per_second', tostring(rate), 'burst', I(burst), 'available', I(available),
                     'running', I(int(redis.call('GET', K('running:' .. ttype))) or 0),
                     'max_concurrent', I(cnum('max:' .. ttype, 0))}
  end
  return out
end}
"""#
}

extension SchedulerClient {
    /// Rate-limit headroom and concurrency of every limited task type, sorted by type.
    public func rateHeadroom() throws(SchedulerError) -> [StatusSnapshot.Rate] {
        (try call("rate_headroom", []).array ?? []).map { entry in
            let f = entry.fieldMap.compactMapValues(\.string)
            return StatusSnapshot.Rate(type: f["type"] ?? "", perSecond: Double(f["per_second"] ?? "") ?? 0,
                                       available: Int(f["available"] ?? "") ?? -1, running: Int(f["running"] ?? "") ?? 0,
                                       maxConcurrent: Int(f["max_concurrent"] ?? "") ?? 0)
        }
    }
}
