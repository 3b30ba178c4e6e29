"""Every model, imported in one place so the metadata (and Alembic) knows all tables."""

from caseflow.accounts.models import Office, User
from caseflow.accounts.tokens import ApiToken
from caseflow.cases.models import Case, CaseCounter, CaseEvent, CounsellingSession
from caseflow.documents.models import Document
from caseflow.people.models import (
    Beneficiary,
    BeneficiaryVulnerability,
    Consent,
    IdentityDocument,
    NameKey,
    SchoolRecord,
)

__all__ = ["ApiToken", "Beneficiary", "BeneficiaryVulnerability", "Case", "CaseCounter",
           "CaseEvent", "Consent", "CounsellingSession", "Document", "IdentityDocument",
           "NameKey", "Office", "SchoolRecord", "User"]
