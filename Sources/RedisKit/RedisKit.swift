// RedisKit module.
