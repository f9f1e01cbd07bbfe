"""Celery app and tasks for the Swarm-vs-Celery peer benchmark.

Imported both by the driver (bench.py) and by the worker processes that
bench.py starts (`python -m celery -A celery_bench_tasks worker ...`).
Everything run-specific comes from environment variables that bench.py sets
before importing this module / spawning the workers:

  SWARM_BENCH_REDIS_URL   broker and result backend, e.g. redis://127.0.0.1:6390/0
  SWARM_BENCH_QUEUE       queue name (unique per bench.py run)
  SWARM_BENCH_PREFETCH    worker_prefetch_multiplier (default 4, Celery's default)

Nothing here changes Celery's defaults for prefetch (unless asked), acks,
serializer or pool: only the queue name, result expiry and the startup-retry
flag (which only silences a deprecation warning) are set.
"""

import os

import redis
from celery import Celery
from celery.signals import task_postrun

REDIS_URL = os.environ.get("SWARM_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
QUEUE = os.environ.get("SWARM_BENCH_QUEUE", "swarm_bench_celery")
PREFETCH = int(os.environ.get("SWARM_BENCH_PREFETCH", "4"))

app = Celery("celery_bench_tasks", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(
    task_default_queue=QUEUE,
    # Results written by the benchmark expire on their own (default is 1 day).
    result_expires=3600,
    broker_connection_retry_on_startup=True,
    # Defaults, spelled out so the benchmark's settings are visible in one place.
    task_acks_late=False,
    worker_prefetch_multiplier=PREFETCH,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    worker_send_task_events=False,
    task_send_sent_event=False,
)

_client = None
_client_pid = None


def rclient():
    """One plain redis-py connection per OS process (created after fork)."""
    global _client, _client_pid
    if _client is None or _client_pid != os.getpid():
        _client = redis.Redis.from_url(REDIS_URL)
        _client_pid = os.getpid()
    return _client


# --- throughput ----------------------------------------------------------

@app.task(name="bench.noop")
def noop():
    """No-op whose completion is observed through the Redis result backend
    (Celery's default: result stored with SETEX + PUBLISH)."""
    return None


@app.task(name="bench.noop_counted", ignore_result=True)
def noop_counted(counter_key, target):
    """No-op without a stored result; its completion is counted by the
    task_postrun handler below (one INCR per task, plus one RPUSH by the task
    that brings the counter to `target`, which wakes the driver's BLPOP)."""
    return None


@task_postrun.connect
def _count_completion(sender=None, args=None, **_):
    if sender is not None and sender.name == "bench.noop_counted" and args:
        key, target = args[0], args[1]
        r = rclient()
        if r.incr(key) == target:
            r.rpush(key + ":fin", 1)


# --- dag, "counters" mode: true per-edge dependencies ------------------------

@app.task(name="bench.dag_node", ignore_result=True)
def dag_node(prefix, total, node, children):
    """A no-op DAG node that, once done, releases its children.

    prefix:   per-run key prefix
    total:    number of nodes in the DAG
    node:     this node's id "l:i" (informational)
    children: comma-separated ids ("l:i") of this node's children, "" if none

    For every child the node DECRements the child's pending-parents counter
    and fetches the child's own children list (one pipelined round trip);
    a child whose counter reaches 0 is published by this worker right away.
    Every node INCRements `{prefix}:done` in the same round trip; the node
    that brings it to `total` RPUSHes `{prefix}:fin`, which wakes the driver.
    """
    # (the node's "work" is nothing)
    kids = children.split(",") if children else []
    pipe = rclient().pipeline(transaction=False)
    for c in kids:
        pipe.decr(f"{prefix}:pending:{c}")
        pipe.hget(f"{prefix}:children", c)
    pipe.incr(f"{prefix}:done")
    res = pipe.execute()
    if res[-1] == total:
        rclient().rpush(f"{prefix}:fin", 1)
    if kids:
        with app.producer_or_acquire() as producer:
            for j, c in enumerate(kids):
                if res[2 * j] == 0:
                    grand = res[2 * j + 1]
                    dag_node.apply_async(
                        args=(prefix, total, c, grand.decode() if grand else ""),
                        producer=producer,
                    )
    return None
