"""月星防水 operations: Prometheus metrics, health checks, error capture and
JSON logs for the processes of the platform (no business model).

The routes are registered when the module is imported (trytond imports
every module at start), the middleware through ``[wsgi middleware]`` in the
configuration; see README.rst."""
from . import routes  # noqa: F401
