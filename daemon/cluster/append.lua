-- Appends one message to a room's stream: the room's next contiguous sequence number, exactly
-- once per message id, whatever the retries. Runs inside Redis, so nothing else interleaves.
--
-- KEYS[1]  the room's hash: epoch, seq (the last sequence given), and for each node instance
--          `last:NODE/INSTANCE` = "COUNTER:SEQ", its highest counter appended and that sequence
-- KEYS[2]  the room's stream
-- ARGV     epoch (128 random bits from the node, taken only if the room has none yet), the
--          stream's MAXLEN, node, instance, counter, then the message: client_name, subject,
--          message, date; last `after`, the counter of the node's undecided message before this
--          one (0: none), which must have gone in first
-- Each entry carries the epoch, so that a reader tells a new room from the old one by the entry.
-- Returns {epoch, seq, duplicate}: duplicate is 1 for a retry of an append that went through,
-- whose seq is then that of the node instance's last append, at or after the retried one.
-- Returns the error ORDER, appending nothing, when `after` has not gone in: the node sends the
-- message again after it. Pipelined appends can fail singly (NOSCRIPT after a SCRIPT FLUSH
-- until some node loads the script again), and a later one must not overtake, or the dedupe
-- would take the earlier one's retry for a duplicate.
local room, stream = KEYS[1], KEYS[2]
local maxlen, node, instance = ARGV[2], ARGV[3], ARGV[4]
local counter = tonumber(ARGV[5])
local after = tonumber(ARGV[10] or '0')
-- The epoch comes from the node: Redis 7.0's Lua math.random starts alike in every fresh server,
-- so an epoch drawn here would survive the loss of the data unchanged.
redis.call('HSETNX', room, 'epoch', ARGV[1])
local epoch = redis.call('HGET', room, 'epoch')
local origin = 'last:' .. node .. '/' .. instance
local last = redis.call('HGET', room, origin)
local highest = 0
if last then
  local colon = string.find(last, ':', 1, true)
  highest = tonumber(string.sub(last, 1, colon - 1))
  if counter <= highest then
    return {epoch, tonumber(string.sub(last, colon + 1)), 1}
  end
end
if highest < after then
  return redis.error_reply('ORDER counter ' .. after .. ' of ' .. node .. '/' .. instance ..
                           ' has not been appended yet')
end
local seq = redis.call('HINCRBY', room, 'seq', 1)
redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'epoch', epoch, 'seq', seq, 'node', node,
           'instance', instance, 'counter', counter, 'client_name', ARGV[6], 'subject', ARGV[7],
           'message', ARGV[8], 'date', ARGV[9])
redis.call('HSET', room, origin, counter .. ':' .. seq)
return {epoch, seq, 0}
