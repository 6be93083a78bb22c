/**
 * Lua scripts of the room directory: each runs atomically in Redis, so two
 * nodes creating, moving or deleting the same room agree on one outcome.
 */

/**
 * Records a room unless it exists. Returns {0, json} when created, {1, existing} when
 * it was there, {2, ''} when the directory is full (expired ids are pruned first).
 * KEYS: room, rooms set, node-rooms set. ARGV: json, ttl ms, max rooms, id, room key prefix.
 */
export const CREATE_ROOM_LUA = `
local existing = redis.call('GET', KEYS[1])
if existing then return {1, existing} end
if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then
  for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if redis.call('EXISTS', ARGV[5] .. id) == 0 then redis.call('SREM', KEYS[2], id) end
  end
  if redis.call('SCARD', KEYS[2]) >= tonumber(ARGV[3]) then return {2, ''} end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[4])
redis.call('SADD', KEYS[3], ARGV[4])
return {0, ARGV[1]}`;

/**
 * Deletes a room and its set memberships. The node is read from the record.
 * KEYS: room, rooms set. ARGV: id, node-rooms key prefix.
 */
export const DELETE_ROOM_LUA = `
local raw = redis.call('GET', KEYS[1])
if raw then
  local ok, rec = pcall(cjson.decode, raw)
  if ok and type(rec) == 'table' and type(rec.node) == 'string' then redis.call('SREM', ARGV[2] .. rec.node, ARGV[1]) end
end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
return 1`;

/**
 * Moves a room from a dead node to a live one if its record is still exactly
 * what the mover read (compare-and-set); always drops it from the dead node's set.
 * KEYS: room, from set, to set. ARGV: expected json, new json ('' = do not move), id, ttl ms.
 */
export const MOVE_ROOM_LUA = `
redis.call('SREM', KEYS[2], ARGV[3])
if ARGV[2] == '' then return 0 end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[4])
redis.call('SADD', KEYS[3], ARGV[3])
return 1`;

/**
 * Writes a grant only while its room exists.
 * KEYS: room, grant. ARGV: json, ttl ms.
 */
export const ISSUE_GRANT_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2], 'NX')
return 1`;
