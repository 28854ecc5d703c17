-- Appends one message to a room's stream: the room's next contiguous sequence number, exactly
-- once per message id, whatever the retries. Runs inside Redis, so nothing else interleaves.
--
-- KEYS[1]  the room's hash: epoch, seq (the last sequence given), and for each node instance
--          `last:NODE/INSTANCE` = "COUNTER:SEQ", its highest counter appended and that sequence
-- KEYS[2]  the room's stream
-- ARGV     epoch (128 random bits from the node, taken only if the room has none yet), the
--          stream's MAXLEN, node, instance, counter, then the message: client_name, subject,
--          message, date
-- Each entry carries the epoch, so that a reader tells a new room from the old one by the entry.
-- Returns {epoch, seq, duplicate}: duplicate is 1 for a retry of an append that went through,
-- whose seq is then that of the node instance's last append, at or after the retried one.
local room, stream = KEYS[1], KEYS[2]
local maxlen, node, instance = ARGV[2], ARGV[3], ARGV[4]
local counter = tonumber(ARGV[5])
-- The epoch comes from the node: Redis 7.0's Lua math.random starts alike in every fresh server,
-- so an epoch drawn here would survive the loss of the data unchanged.
redis.call('HSETNX', room, 'epoch', ARGV[1])
local epoch = redis.call('HGET', room, 'epoch')
local origin = 'last:' .. node .. '/' .. instance
local last = redis.call('HGET', room, origin)
if last then
  local colon = string.find(last, ':', 1, true)
  if counter <= tonumber(string.sub(last, 1, colon - 1)) then
    return {epoch, tonumber(string.sub(last, colon + 1)), 1}
  end
end
local seq = redis.call('HINCRBY', room, 'seq', 1)
redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'epoch', epoch, 'seq', seq, 'node', node,
           'instance', instance, 'counter', counter, 'client_name', ARGV[6], 'subject', ARGV[7],
           'message', ARGV[8], 'date', ARGV[9])
redis.call('HSET', room, origin, counter .. ':' .. seq)
return {epoch, seq, 0}
