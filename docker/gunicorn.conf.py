"""gunicorn settings that cannot be given on the command line
(docker/entrypoint.sh passes the others)."""


def child_exit(server, worker):
    # A dead worker's live gauges (requests in flight) leave the sum.
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
