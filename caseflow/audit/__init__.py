"""The audit trail: who read, changed, printed, exported or was refused what, when, from where.

Call `record()` for what the database cannot see by itself (reads, prints, downloads, exports,
logins, logouts, refusals); changes to rows are recorded automatically when the session
flushes. `shred(case_id)` forgets the key a case's recorded values are encrypted with, so
retention can anonymise a case without touching the append-only trail.
"""

from __future__ import annotations

from caseflow.audit.trail import Action, record, shred

__all__ = ["Action", "record", "shred"]
