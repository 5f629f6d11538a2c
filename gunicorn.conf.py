"""Production serving: `gunicorn -c gunicorn.conf.py learnpaths.wsgi:application`.

Two processes per core, 16 threads each (gthread). Many threads, because a gthread worker gives a
new connection a thread of its own: an idle connection holds it for up to 5 s, a client that
sends its request head slowly holds it until the head is complete, and a worker takes no more
connections than it has threads (worker_connections below). With
2 threads per process, two idle connections delayed other requests by 5 s and forty slow ones
stopped the site (scripts/slow_clients.py measures it). Threads that only wait cost little memory
and no database connection; a thread holds a PostgreSQL connection (CONN_MAX_AGE) only once it
has served a page, so connections per machine stay ≤ workers × threads, which docs/deploy.md
sets against PostgreSQL's max_connections. In production the app stays behind a buffering proxy
(docs/deploy.md) that hands gunicorn only complete requests; the threads are the second line.
"""

import multiprocessing
import os

# All interfaces by default: the app server sits behind a proxy on a private network or in a
# container; set HOST=127.0.0.1 when the proxy runs on the same machine.
HOST = os.environ.get("HOST", "0.0.0.0")  # noqa: S104
bind = os.environ.get("GUNICORN_BIND") or f"{HOST}:{os.environ.get('PORT', '8000')}"
# Two processes per core: measured with `make bench` (1×, 29 Nov 2026), one process per core
# with 32 threads served 30–40 % fewer signed-in pages than 4 × 2 (threads of one process share
# its GIL); 4 × 16 came within 10–15 % of 4 × 2 and still holds 40 slow connections.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * multiprocessing.cpu_count())
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "16"))
# Heartbeat files on tmpfs: a worker blocked on a slow disk is not killed as hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# A request taking longer than this is a bug; graceful_timeout lets in-flight requests finish on
# a restart or deploy (SIGTERM) before workers are killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# A worker takes no more connections than it has threads: one whose threads are all held by slow
# clients stops accepting, and the kernel hands new connections to a worker with a free thread.
# Without this a worker took any number, and one that drew 16 of 40 slow clients left the next
# request it accepted waiting (CI, 29 Nov 2026: 2 of 6 requests timed out). The price is no
# keep-alive to gunicorn (a kept-alive connection would take a slot); the proxy in front
# reconnects at no cost on loopback or a private network.
worker_connections = threads
keepalive = 0
# Recycle workers now and then so that a slow leak cannot grow without bound; jitter keeps them
# from restarting all at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Load the app once in the master, then fork: faster start, shared memory pages. Database
# connections are opened lazily per thread, after the fork.
preload_app = True
# Logs to stdout/stderr for the process manager or container runtime to collect.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
# The proxy terminates TLS and sets X-Forwarded-*; trust it only from these addresses.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
