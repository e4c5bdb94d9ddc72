"""gunicorn settings of the registry's production server (``make serve`` / ``python -m registry.serve``).

Each value can be overridden by the environment variable named beside it. The access log names
the path without its query string (``%(U)s``): the API's exact-search parameters (``?name=``,
``?id_number=``) must never reach a log file.
"""

import multiprocessing
import os

bind = os.environ.get("SERVE_BIND", "127.0.0.1:8000")
# Workers: cores + 1, not gunicorn's usual 2 × cores + 1. A request here is CPU work in Python
# (ORM, decryption, templates) with short waits on the database, so a core rarely idles with
# one worker on it; more workers only take turns on the same cores, and a worker descheduled
# while it holds its audit chain's head lock holds up the others of that chain. Measured with
# `BENCH_ONLY=load make bench` on 2 cores, PostgreSQL, the caseworkers' mix (README
# "Throughput under load"): 8 / 32 users served 76.9 / 73.6 requests per second with 2 workers,
# 73.4 / 75.2 with 3, 68.5 / 68.4 with 5, whose p95 was also the worst. 2 and 3 are level within
# the noise; the one worker over the cores covers the database waits where the database runs
# on another host. Set WEB_CONCURRENCY to override.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("WEB_THREADS", "1"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
wsgi_app = "registry.wsgi:application"
# The access log (standard output unless WEB_ACCESS_LOG names a file) and the error log.
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")
errorlog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
# Only the reverse proxy in front may set X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket (one per user by default) would clash between several servers on
# one host and is not needed: stop and reload with signals.
control_socket_disable = True
