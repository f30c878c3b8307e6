"""Alarms on any change to an existing audit entry, from the Audit table's stream (P2.5, P5):
only changed and removed items (the mapping's filter: appends never invoke it), partial batch
failures, bounded retries, then the record's batch to the dead-letter queue (alarmed too).

Each record is counted (``AuditEntriesChanged``, alarmed) and logged by subject and sequence
(``ongpt.audit.changes``). It needs no AWS access of its own: Lambda reads the stream with its
role.
"""

from ongpt.audit.changes import report
from ongpt.platform.settings import Variable
from ongpt.platform.worker import stream_worker

ENVIRONMENT: tuple[Variable[object], ...] = ()
lambda_handler = stream_worker(report, ENVIRONMENT)
