"""Every model, imported in one place so the metadata (and Alembic) knows all tables."""

from caseflow.accounts.models import Office, User
from caseflow.accounts.tokens import ApiToken
from caseflow.accounts.twofactor import RecoveryCode
from caseflow.assistance.models import ServiceRequest, ServiceType
from caseflow.audit.models import AuditEntry, AuditHead, AuditKey
from caseflow.cases.models import Case, CaseCounter, CaseEvent, CounsellingSession
from caseflow.documents.models import Document
from caseflow.followups.models import (
    FollowUpSchedule,
    FollowUpVisit,
    RssAnswer,
    RssIndicator,
    RssOption,
    RssSurvey,
    RssVersion,
)
from caseflow.jobs.models import Job
from caseflow.people.models import (
    Beneficiary,
    BeneficiaryVulnerability,
    Consent,
    IdentityDocument,
    NameKey,
    SchoolRecord,
)
from caseflow.printing.models import Certificate, CertificateCounter
from caseflow.reintegration.models import EntitlementRules, PlanLine, ReintegrationPlan

__all__ = [
    "ApiToken",
    "AuditEntry",
    "AuditHead",
    "AuditKey",
    "Beneficiary",
    "BeneficiaryVulnerability",
    "Case",
    "CaseCounter",
    "CaseEvent",
    "Certificate",
    "CertificateCounter",
    "Consent",
    "CounsellingSession",
    "Document",
    "EntitlementRules",
    "FollowUpSchedule",
    "FollowUpVisit",
    "IdentityDocument",
    "Job",
    "NameKey",
    "Office",
    "PlanLine",
    "RecoveryCode",
    "ReintegrationPlan",
    "RssAnswer",
    "RssIndicator",
    "RssOption",
    "RssSurvey",
    "RssVersion",
    "SchoolRecord",
    "ServiceRequest",
    "ServiceType",
    "User",
]
