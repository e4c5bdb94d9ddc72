"""gunicorn settings of the registry's production server (``make serve`` / ``python -m registry.serve``).

Each value can be overridden by the environment variable named beside it. The access log names
the path without its query string (``%(U)s``): the API's exact-search parameters (``?name=``,
``?id_number=``) must never reach a log file.
"""

import multiprocessing
import os

bind = os.environ.get("SERVE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
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
