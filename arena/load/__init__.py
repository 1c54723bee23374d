"""`arena load`: Locust-driven shapes, operation mixes from the schema, arena's own µs metrics.

Locust (and with it gevent's monkey-patching) is imported only through arena/load/glue.py,
which runner.py and worker.py import first; shapes, operations, workload, patterns, metrics,
config, auth and results stay importable without patching anything.

Layout: runner.py orchestrates a run over prepare.py (targets resolved by arena.targets,
introspected, custom SQL checked), a Cluster (cluster.py in-process, master.py with worker
processes, worker.py their side, auth.py their token) and monitor.py (one engine under the
shape, once a second); process.py is the users' hot loop over drivers/ (one module per
engine family) and operations.py / workload.py (the SQL and its parameters).
"""

import os

# libev's default epoll backend rounds timer waits UP to whole milliseconds, which would add
# up to 1 ms to every open-model start; its select() backend sleeps with microsecond
# resolution. Read by gevent when it creates its hub, so it is set here, before anything in
# this package can import gevent. (select() handles up to 1024 descriptors: far more load
# users per process than one core can drive.)
os.environ.setdefault("GEVENT_BACKEND", "select")
