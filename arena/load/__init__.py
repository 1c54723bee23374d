"""`arena load`: Locust-driven shapes, operation mixes from the schema, arena's own µs metrics.

Locust (and with it gevent's monkey-patching) is imported only by arena/load/runner.py and
the modules it imports after it (drivers, process); shapes, operations, patterns, metrics and
results stay importable without patching anything.
"""

import os

# libev's default epoll backend rounds timer waits UP to whole milliseconds, which would add
# up to 1 ms to every open-model start; its select() backend sleeps with microsecond
# resolution. Read by gevent when it creates its hub, so it is set here, before anything in
# this package can import gevent. (select() handles up to 1024 descriptors: far more load
# users per process than one core can drive.)
os.environ.setdefault("GEVENT_BACKEND", "select")
