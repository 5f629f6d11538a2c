"""Production serving: `gunicorn -c gunicorn.conf.py learnpaths.wsgi:application`.

Tuned for a 2-core machine: pages spend part of their time waiting on PostgreSQL and Redis, so
each core runs two processes and each process two threads (gthread). Every thread can hold one
PostgreSQL connection (CONN_MAX_AGE keeps them open): connections per machine = workers ×
threads, which docs/deploy.md sets against PostgreSQL's max_connections.
"""

import multiprocessing
import os

# All interfaces by default: the app server sits behind a proxy on a private network or in a
# container; set HOST=127.0.0.1 when the proxy runs on the same machine.
HOST = os.environ.get("HOST", "0.0.0.0")  # noqa: S104
bind = os.environ.get("GUNICORN_BIND") or f"{HOST}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2)
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
# Heartbeat files on tmpfs: a worker blocked on a slow disk is not killed as hung.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
# A request taking longer than this is a bug; graceful_timeout lets in-flight requests finish on
# a restart or deploy (SIGTERM) before workers are killed.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = 5  # seconds; the proxy in front reuses connections
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
