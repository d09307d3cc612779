"""Long work off the request: a job table the editor watches, run by a task queue.

The engine is procrastinate (PostgreSQL): its jobs sit in the database the site
already needs, so there is no broker to run, back up or secure, and a job is
queued in the same transaction as the write that asks for it (an editor's
request that rolls back queues nothing). Its workers beat a heartbeat, so the
job of a worker killed mid-task is found and run again. (Redis with RQ would add
a second store that can disagree with the database; Django's tasks backport
with its database backend has no retries or stalled-worker detection yet.)

A Job row (models.py) is what the editor sees: queued, running, done or failed
with a reason, and how many attempts it took. The queue's own task only carries
the Job's id (queue.py). The work itself is a function registered under a kind
(work.py), written next to the service it calls (desk/work.py, ops/work.py), and
runs in one transaction together with the row that says "done": a worker killed
in the middle leaves nothing half-written, and the job is simply run again.
This app knows no domain: kinds register themselves.
"""
