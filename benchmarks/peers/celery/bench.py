#!/usr/bin/env python3
"""Celery 5 peer for the Swarm benchmark harness.

Run it with the venv made by setup.sh:

    VENV/bin/python bench.py --redis-url redis://127.0.0.1:PORT/0 \
        --scenario throughput|dag --tasks N --workers W [--concurrency C] \
        [--seed 42] [--layers 20 --width 100] --json

It starts W Celery worker processes (`python -m celery -A celery_bench_tasks
worker ...`) against the given Redis (which the caller owns; this script never
starts Redis and never flushes it), waits until every worker answers a ping,
runs a short untimed warm-up, runs the scenario, stops the workers and prints
one JSON object on stdout. Everything else (progress, errors, worker log tails)
goes to stderr. On failure the JSON object has an "error" field and the exit
status is non-zero.

`python3 bench.py --dump-dag [--layers L --width W --seed S]` needs no Celery:
it prints the generated DAG (see build_dag) so another implementation can check
that it generates the same edges.

See README.md for what is measured and the fairness notes.
"""

import argparse
import hashlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TASKS_MODULE = "celery_bench_tasks"


# --------------------------------------------------------------------------
# DAG generation (shared rule with the Swift side)
# --------------------------------------------------------------------------

def build_dag(layers, width, seed):
    """Layered DAG: `layers` layers of `width` tasks; task (l, i) is task i of layer l.

    Rule (the Swift harness mirrors it exactly):

        rng = random.Random(seed)              # one generator for the whole DAG
        for l in range(1, layers):             # layer 0 has no parents
            for i in range(width):             # i ascending inside a layer
                parents[(l, i)] = rng.sample(range(width), 2)
                # = indices of 2 distinct tasks of layer l-1, in the order returned

    What CPython 3.11's Random.sample(range(width), 2) does, for a port:
      randbelow(n): k = n.bit_length(); r = getrandbits(k) until r < n; return r
      getrandbits(k), k <= 32: (next 32-bit MT19937 output) >> (32 - k)
      random.Random(42): MT19937 seeded with init_by_array([42])
      width > 21:  picked = []
                   while len(picked) < 2:
                       j = randbelow(width)
                       if j not in picked: picked.append(j)
      width <= 21: pool = list(range(width))
                   for t in 0, 1: j = randbelow(width - t); picked.append(pool[j])
                                  pool[j] = pool[width - t - 1]
    (checked against random.sample for widths 2..1000.) `--dump-dag` prints the
    edges and a sha256 of lines "l i p0 p1\n"; 20 x 100, seed 42 gives
    42e755b3421982408ca58a1a42d9f25b830e8721ccf8fefe1b9c7fefefb9af1d.

    Returns {(l, i): [p0, p1]} for every l >= 1.
    """
    import random

    if width < 2:
        raise ValueError("--width must be >= 2 (each task has 2 parents)")
    rng = random.Random(seed)
    parents = {}
    for l in range(1, layers):
        for i in range(width):
            parents[(l, i)] = rng.sample(range(width), 2)
    return parents


def dag_digest(layers, width, parents):
    """sha256 over lines "l i p0 p1\\n" in (l, i) order: a cheap cross-check."""
    h = hashlib.sha256()
    for l in range(1, layers):
        for i in range(width):
            p0, p1 = parents[(l, i)]
            h.update(f"{l} {i} {p0} {p1}\n".encode())
    return h.hexdigest()


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

class BenchError(Exception):
    pass


class Timeout(BenchError):
    pass


def log(msg):
    print(f"[celery-peer] {msg}", file=sys.stderr, flush=True)


def remaining(deadline):
    left = deadline - time.monotonic()
    if left <= 0:
        raise Timeout("scenario timed out")
    return left


def _pdeathsig():
    """In the child before exec: die if bench.py dies, so no worker outlives it."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Workers:
    def __init__(self, count, pool, concurrency, run_id, env, log_dir):
        self.count = count
        self.pool = pool
        self.concurrency = concurrency
        self.env = env
        self.log_dir = log_dir
        self.names = [f"w{i}.{run_id}@bench" for i in range(count)]
        self.procs = []
        self.logs = []

    def start(self):
        for i, name in enumerate(self.names):
            cmd = [
                sys.executable, "-m", "celery", "-A", TASKS_MODULE, "worker",
                "--pool", self.pool,
                "--concurrency", str(self.concurrency),
                "--hostname", name,
                "--queues", self.env["SWARM_BENCH_QUEUE"],
                "--loglevel", "WARNING",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ]
            path = os.path.join(self.log_dir, f"worker{i}.log")
            f = open(path, "wb")
            self.logs.append(path)
            p = subprocess.Popen(
                cmd, cwd=HERE, env=self.env, stdin=subprocess.DEVNULL,
                stdout=f, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=_pdeathsig,
            )
            f.close()
            self.procs.append(p)

    def check_alive(self):
        for p, path in zip(self.procs, self.logs):
            if p.poll() is not None:
                raise BenchError(
                    f"worker exited early with status {p.returncode}; "
                    f"log tail:\n{self.tail(path)}")

    @staticmethod
    def tail(path, n=30):
        try:
            with open(path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return "(no log)"

    def wait_ready(self, app, timeout):
        deadline = time.monotonic() + timeout
        pending = set(self.names)
        while pending:
            self.check_alive()
            if time.monotonic() > deadline:
                raise BenchError(f"workers not ready after {timeout}s: {sorted(pending)}")
            replies = app.control.ping(destination=sorted(pending), timeout=0.5) or []
            for reply in replies:
                pending -= set(reply.keys())

    def stop(self, grace=10.0):
        for p in self.procs:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGTERM)  # warm shutdown
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for p in self.procs:
            # whatever is left of the worker's process group (pool children too)
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass


# --------------------------------------------------------------------------
# scenarios
# --------------------------------------------------------------------------

def publish_noops(app, task, n, method, args=(), deadline=None):
    """Enqueue n messages of `task`; returns the list of AsyncResults (or a GroupResult)."""
    if method == "group":
        from celery import group

        return group(task.si(*args) for _ in range(n)).apply_async()
    # "loop": apply_async in a loop over one shared producer (one connection)
    out = []
    with app.producer_or_acquire() as producer:
        for k in range(n):
            out.append(task.apply_async(args=args, producer=producer))
            if deadline is not None and k % 1024 == 1023:
                remaining(deadline)
    return out


def noops_backend(app, tasks, n, method, deadline):
    """Completion observed through the Redis result backend (idiomatic Celery)."""
    from celery.result import ResultSet

    t0 = time.perf_counter()
    res = publish_noops(app, tasks.noop, n, method, deadline=deadline)
    t1 = time.perf_counter()
    if isinstance(res, list):
        res = ResultSet(res, app=app)
    res.join_native(timeout=remaining(deadline), propagate=True)
    t2 = time.perf_counter()
    ids = [r.id for r in res.results]
    return t1 - t0, t2 - t0, ids


def wait_fin(r, key, deadline, workers):
    while True:
        left = remaining(deadline)
        if r.blpop([key], timeout=max(0.01, min(1.0, left))) is not None:
            return
        workers.check_alive()


def noops_counter(app, tasks, r, n, method, prefix, deadline, workers):
    """Completion counted with one INCR per task (task_postrun handler)."""
    key = f"{prefix}:count:{uuid.uuid4().hex[:8]}"
    t0 = time.perf_counter()
    publish_noops(app, tasks.noop_counted, n, method, args=(key, n), deadline=deadline)
    t1 = time.perf_counter()
    wait_fin(r, key + ":fin", deadline, workers)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t0


def dag_counters(app, tasks, r, layers, width, parents, prefix, deadline, workers):
    """True per-edge dependencies: counters in Redis, children released by workers."""
    total = layers * width
    children = {}
    for (l, i), ps in parents.items():
        for p in ps:
            children.setdefault((l - 1, p), []).append(f"{l}:{i}")
    kids = {k: ",".join(v) for k, v in children.items()}

    t0 = time.perf_counter()
    # 1. write the graph: pending-parent counters and children lists (one pipeline)
    pipe = r.pipeline(transaction=False)
    for (l, i) in parents:
        pipe.set(f"{prefix}:pending:{l}:{i}", 2)
    hmap = {f"{l}:{i}": v for (l, i), v in kids.items() if l > 0}
    if hmap:
        pipe.hset(f"{prefix}:children", mapping=hmap)
    pipe.execute()
    # 2. submit the roots (layer 0) over one producer
    with app.producer_or_acquire() as producer:
        for i in range(width):
            tasks.dag_node.apply_async(
                args=(prefix, total, f"0:{i}", kids.get((0, i), "")),
                producer=producer)
    t1 = time.perf_counter()
    wait_fin(r, f"{prefix}:fin", deadline, workers)
    t2 = time.perf_counter()
    done = int(r.get(f"{prefix}:done") or 0)
    if done != total:
        raise BenchError(f"dag finished with {done} of {total} nodes done")
    return t1 - t0, t2 - t0


def dag_layers(app, tasks, r, layers, width, prefix, deadline, workers):
    """Layer barrier driven by the client: publish layer l, wait until all of
    it has finished (INCR counter + BLPOP, as in throughput "counter" mode),
    then publish layer l+1."""
    t0 = time.perf_counter()
    enq = 0.0
    for l in range(layers):
        key = f"{prefix}:layer:{l}"
        ta = time.perf_counter()
        publish_noops(app, tasks.noop_counted, width, "loop", args=(key, width))
        enq += time.perf_counter() - ta
        wait_fin(r, key + ":fin", deadline, workers)
    t2 = time.perf_counter()
    return enq, t2 - t0


def dag_chord(app, tasks, layers, width, deadline):
    """Layer barrier with nested chords:
    chord(group(layer 0), chord(group(layer 1), ... group(layer L-1))).

    (Built explicitly: in Celery 5.7.0, chain(group, group, group, ...) ran some
    layers' tasks several times in our test, so it is not used.)
    """
    from celery import chord, group

    t0 = time.perf_counter()
    sig = group(tasks.noop.si() for _ in range(width))
    for _ in range(layers - 1):
        sig = chord(group(tasks.noop.si() for _ in range(width)), sig)
    res = sig.apply_async()
    t1 = time.perf_counter()
    # res is the GroupResult of the last layer; a short poll interval so the
    # driver notices completion promptly (the default interval is 0.5 s)
    res.get(timeout=remaining(deadline), propagate=True, interval=0.005)
    t2 = time.perf_counter()
    return t1 - t0, t2 - t0


def delete_keys(r, keys, chunk=1000):
    keys = list(keys)
    for k in range(0, len(keys), chunk):
        r.delete(*keys[k:k + chunk])


def cleanup(r, prefix, queue, result_ids):
    try:
        delete_keys(r, list(r.scan_iter(match=prefix + ":*", count=1000)))
        delete_keys(r, [f"celery-task-meta-{i}" for i in result_ids])
        r.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
    except Exception as e:  # best effort only
        log(f"cleanup failed: {e}")


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--redis-url", help="redis://HOST:PORT/DB (broker and result backend)")
    ap.add_argument("--scenario", choices=["throughput", "dag"], default="throughput")
    ap.add_argument("--tasks", type=int, default=None,
                    help="throughput: number of tasks, default 10000 (dag: layers*width is used)")
    ap.add_argument("--workers", type=int, default=1, help="Celery worker processes to start")
    ap.add_argument("--concurrency", type=int, default=1,
                    help="pool size per worker (prefork/threads); default 1")
    ap.add_argument("--pool", choices=["prefork", "solo", "threads"], default="prefork")
    ap.add_argument("--prefetch-multiplier", type=int, default=4,
                    help="worker_prefetch_multiplier (Celery's default is 4)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--layers", type=int, default=20)
    ap.add_argument("--width", type=int, default=100)
    ap.add_argument("--enqueue", choices=["loop", "group"], default="loop",
                    help="throughput: apply_async loop over one producer, or group().apply_async()")
    ap.add_argument("--completion", choices=["counter", "backend"], default="counter",
                    help="throughput: wait through the Redis result backend, or an INCR counter")
    ap.add_argument("--dag-mode", choices=["counters", "layers", "chord"], default="counters",
                    help="dag: per-edge dependency counters in Redis (default), a layer barrier "
                         "driven by the client, or nested chords (layer barrier inside Celery)")
    ap.add_argument("--warmup", type=int, default=200,
                    help="untimed no-op tasks run (and waited for) before the measurement")
    ap.add_argument("--timeout", type=float, default=300.0,
                    help="seconds allowed for the measured scenario")
    ap.add_argument("--startup-timeout", type=float, default=60.0)
    ap.add_argument("--keep-logs", action="store_true", help="keep the worker log directory")
    ap.add_argument("--json", action="store_true",
                    help="print the result as one JSON object (always the case; accepted for the harness)")
    ap.add_argument("--dump-dag", action="store_true",
                    help="print the generated DAG as JSON and exit (needs no Celery or Redis)")
    a = ap.parse_args(argv)
    if not a.dump_dag and not a.redis_url:
        ap.error("--redis-url is required")
    if a.tasks is None:
        a.tasks_given = False
        a.tasks = 10000
    else:
        a.tasks_given = True
    if a.workers < 1 or a.concurrency < 1 or a.tasks < 1 or a.layers < 1 or a.prefetch_multiplier < 0:
        ap.error("--workers, --concurrency, --tasks and --layers must be >= 1")
    if a.width < 2:
        ap.error("--width must be >= 2")
    return a


def dump_dag(a):
    parents = build_dag(a.layers, a.width, a.seed)
    out = {
        "layers": a.layers, "width": a.width, "seed": a.seed,
        "rule": "for l in 1..<layers, i in 0..<width: parents(l,i) = random.Random(seed).sample(range(width), 2) (one rng, in this order)",
        "sha256": dag_digest(a.layers, a.width, parents),
        "parents": [[l, i] + parents[(l, i)] for l in range(1, a.layers) for i in range(a.width)],
    }
    print(json.dumps(out))


class _Signalled(BaseException):
    pass


def _raise_signal(signum, _frame):
    raise _Signalled(f"received signal {signum}")


def main(argv):
    a = parse_args(argv)
    if a.dump_dag:
        dump_dag(a)
        return 0

    result = {
        "peer": "celery", "version": None, "scenario": a.scenario,
        "tasks": a.layers * a.width if a.scenario == "dag" else a.tasks,
        "workers": a.workers,
    }
    run_id = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    prefix = f"swarm-bench:celery:{run_id}"
    queue = f"swarm-bench-celery-{run_id}"
    os.environ["SWARM_BENCH_REDIS_URL"] = a.redis_url
    os.environ["SWARM_BENCH_QUEUE"] = queue
    os.environ["SWARM_BENCH_PREFETCH"] = str(a.prefetch_multiplier)
    log_dir = None
    workers = None
    r = None
    result_ids = []
    ok = False

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, _raise_signal)
    # hard bound on the whole run: startup + warm-up + scenario + shutdown
    signal.signal(signal.SIGALRM, _raise_signal)
    signal.alarm(int(a.startup_timeout + 2 * a.timeout + 60))

    try:
        try:
            sys.path.insert(0, HERE)
            import celery
            import kombu
            import redis

            tasks = __import__(TASKS_MODULE)
        except ImportError as e:
            raise BenchError(
                f"cannot import Celery ({e}); run bench.py with the python of the "
                f"venv made by setup.sh") from e
        app = tasks.app
        result["version"] = celery.__version__

        try:
            rc = redis.Redis.from_url(a.redis_url, socket_timeout=30)
            redis_version = rc.info("server").get("redis_version")
        except (redis.RedisError, ValueError) as e:
            raise BenchError(f"cannot reach Redis at {a.redis_url}: {e}") from e
        r = rc

        log_dir = tempfile.mkdtemp(prefix="celery-peer-")
        env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
        workers = Workers(a.workers, a.pool, a.concurrency, run_id, env, log_dir)
        t_spawn = time.perf_counter()
        workers.start()
        workers.wait_ready(app, a.startup_timeout)
        startup_seconds = time.perf_counter() - t_spawn
        log(f"{a.workers} worker(s) ready in {startup_seconds:.2f}s")

        deadline = time.monotonic() + a.timeout
        if a.warmup > 0:
            if a.scenario == "throughput" and a.completion == "backend":
                _, _, ids = noops_backend(app, tasks, a.warmup, a.enqueue, deadline)
                result_ids += ids
            else:
                noops_counter(app, tasks, r, a.warmup, "loop", prefix, deadline, workers)

        deadline = time.monotonic() + a.timeout
        if a.scenario == "throughput":
            n = a.tasks
            if a.completion == "backend":
                enq, wall, ids = noops_backend(app, tasks, n, a.enqueue, deadline)
                result_ids += ids
                how_done = ("each task's result stored by Celery's Redis result backend "
                            "(SETEX+PUBLISH); driver waits with ResultSet.join_native() "
                            "(pub/sub, subscribed per task at apply_async)")
            else:
                enq, wall = noops_counter(app, tasks, r, n, a.enqueue, prefix, deadline, workers)
                how_done = ("ignore_result=True; a task_postrun handler INCRs a Redis counter "
                            "per task and the task reaching N RPUSHes a key the driver BLPOPs")
            how_enq = ("task.apply_async(producer=p) in a loop over one shared producer/connection"
                       if a.enqueue == "loop" else "group(task.si() x N).apply_async()")
            notes = (f"throughput: {n} no-op tasks; enqueue: {how_enq}; completion: {how_done}. "
                     "wall = first publish to last completion seen by the driver")
        else:
            n = a.layers * a.width
            if a.dag_mode == "counters":
                parents = build_dag(a.layers, a.width, a.seed)
                enq, wall = dag_counters(app, tasks, r, a.layers, a.width, parents,
                                         prefix, deadline, workers)
                notes = (f"dag {a.layers}x{a.width}, 2 random parents per task "
                         f"(random.Random({a.seed}).sample, sha256 {dag_digest(a.layers, a.width, parents)[:12]}); "
                         "true per-edge dependencies: the driver writes a pending-parents counter per task "
                         "and children lists to Redis in one pipeline and publishes layer 0; each finished "
                         "task DECRs its children's counters (one pipelined round trip, ignore_result=True) "
                         "and publishes those that reach 0; enqueue_seconds = graph write + layer-0 publish")
            elif a.dag_mode == "layers":
                enq, wall = dag_layers(app, tasks, r, a.layers, a.width, prefix, deadline, workers)
                notes = (f"dag {a.layers}x{a.width} as a client-driven layer barrier: publish layer l "
                         "(apply_async loop, ignore_result=True), wait until its INCR counter reaches "
                         "width (BLPOP), publish layer l+1; every task waits for the whole previous layer, "
                         "a superset of the random 2-parent edges, which are therefore not used; "
                         "enqueue_seconds = sum of the per-layer publish times")
            else:
                enq, wall = dag_chord(app, tasks, a.layers, a.width, deadline)
                notes = (f"dag {a.layers}x{a.width} as nested chords chord(group(layer 0), chord(group(layer 1), ...)): "
                         "a full layer barrier (every task waits for the whole previous layer, a superset "
                         "of the random 2-parent edges, which are therefore not used); results through the "
                         "Redis result backend; enqueue_seconds = apply_async() of the nested chord (layer 0 + chord setup)")
            if a.tasks_given and a.tasks != n:
                notes += f"; --tasks {a.tasks} ignored (dag size is layers x width)"

        result.update({
            "enqueue_seconds": round(enq, 6),
            "wall_seconds": round(wall, 6),
            "tasks_per_second": round(n / wall, 1) if wall > 0 else None,
            "enqueue_per_second": round(n / enq, 1) if enq > 0 else None,
        })
        procs = a.workers * (1 + a.concurrency) if a.pool == "prefork" else a.workers
        notes += (f". Workers: {a.workers} x `celery worker --pool {a.pool} --concurrency {a.concurrency}"
                  f" --without-gossip --without-mingle --without-heartbeat --loglevel WARNING`"
                  f" ({procs} OS processes{'' if a.pool != 'prefork' else f': a prefork worker is 1 consumer process + {a.concurrency} pool child process(es)'}); task_acks_late=False (default), worker_prefetch_multiplier={a.prefetch_multiplier}"
                  f"{' (default)' if a.prefetch_multiplier == 4 else ''}, json"
                  f" serializer, no task events; broker and result backend on the given Redis;"
                  f" {a.warmup} untimed warm-up tasks first; driver, workers and Redis share the machine")
        result["notes"] = notes
        result.update({
            "pool": a.pool, "concurrency": a.concurrency,
            "prefetch_multiplier": a.prefetch_multiplier,
            "worker_startup_seconds": round(startup_seconds, 3),
            "python": platform.python_version(), "kombu": kombu.__version__,
            "redis_py": redis.__version__, "redis_server": redis_version,
        })
        if a.scenario == "throughput":
            result.update({"enqueue": a.enqueue, "completion": a.completion})
        else:
            result.update({"dag_mode": a.dag_mode, "layers": a.layers, "width": a.width, "seed": a.seed})
        ok = True
    except (BenchError, _Signalled, Exception) as e:
        result["error"] = f"{type(e).__name__}: {e}"
        log(result["error"])
        if workers is not None:
            for path in workers.logs:
                log(f"--- {path}\n{Workers.tail(path)}")
    finally:
        signal.alarm(0)
        for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(s, signal.SIG_IGN)  # let the cleanup finish (SIGKILL still works)
        if workers is not None:
            workers.stop()
        if r is not None:
            cleanup(r, prefix, queue, result_ids)
        if log_dir is not None:
            if ok and not a.keep_logs:
                shutil.rmtree(log_dir, ignore_errors=True)
            else:
                log(f"worker logs kept in {log_dir}")

    print(json.dumps(result))
    sys.stdout.flush()
    sys.stderr.flush()
    return 0 if ok else 1


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # Skip interpreter teardown: Celery's AsyncResult.__del__ hooks otherwise
    # try to talk to Redis while Python shuts down and print noise to stderr.
    os._exit(code)
