"""Follow-up schedules and visits; RSS questionnaires (versioned) and scored surveys."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caseflow.accounts.models import User, enum_column
from caseflow.db import Base, LabelledEnum, labelled, utcnow

if TYPE_CHECKING:
    from caseflow.cases.models import Case

Score = Numeric(5, 4, asdecimal=True)


class FollowUpSchedule(Base):
    """When visits fall due after arrival, in months (reference data, versioned)."""

    __tablename__ = "followup_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    months: Mapped[str] = mapped_column(String(60))  # e.g. "1,3,6,12"
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def month_list(self) -> list[int]:
        return [int(m) for m in self.months.split(",") if m.strip()]


class VisitMode(LabelledEnum):
    home_visit = "home_visit"
    phone = "phone"
    office = "office"


VISIT_MODE_LABELS = labelled(VisitMode, {
    VisitMode.home_visit: _l("Home visit"),
    VisitMode.phone: _l("Phone call"),
    VisitMode.office: _l("At the office"),
})


class FollowUpVisit(Base):
    __tablename__ = "followup_visits"
    __table_args__ = (
        Index("ix_followup_visits_due", "done_on", "due_on"),
        Index("ix_followup_visits_case_id", "case_id"),
        UniqueConstraint("case_id", "sequence", name="uq_followup_visits_case_sequence"),
        CheckConstraint("(done_on IS NULL) = (mode IS NULL)", name="done_has_mode"),
        CheckConstraint("done_on IS NULL OR officer_id IS NOT NULL", name="done_has_officer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    sequence: Mapped[int]
    months_after_arrival: Mapped[int]
    due_on: Mapped[date]
    schedule_version: Mapped[int]
    done_on: Mapped[date | None]
    mode: Mapped[VisitMode | None] = mapped_column(enum_column(VisitMode, "visit_mode"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    notes: Mapped[str | None] = mapped_column(Text)
    next_steps: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[Case] = relationship(back_populates="visits")
    officer: Mapped[User | None] = relationship()
    survey: Mapped[RssSurvey | None] = relationship(back_populates="visit", uselist=False,
                                                    cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version}


class Dimension(LabelledEnum):
    economic = "economic"
    social = "social"
    psychosocial = "psychosocial"


DIMENSION_LABELS = labelled(Dimension, {
    Dimension.economic: _l("Economic"),
    Dimension.social: _l("Social"),
    Dimension.psychosocial: _l("Psychosocial"),
})


class RssVersion(Base):
    """A version of the questionnaire and its weights. Surveys keep the version they were
    scored with, so scores stay reproducible when an admin changes the weights."""

    __tablename__ = "rss_versions"
    __table_args__ = (
        CheckConstraint("economic_weight >= 0 AND social_weight >= 0 AND "
                        "psychosocial_weight >= 0 AND "
                        "economic_weight + social_weight + psychosocial_weight > 0",
                        name="weights_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    label: Mapped[str] = mapped_column(String(160))
    # True while the weights are the seeded equal ones, not IOM's official weighting.
    is_placeholder: Mapped[bool] = mapped_column(default=True)
    economic_weight: Mapped[Decimal] = mapped_column(Score)
    social_weight: Mapped[Decimal] = mapped_column(Score)
    psychosocial_weight: Mapped[Decimal] = mapped_column(Score)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    indicators: Mapped[list[RssIndicator]] = relationship(
        back_populates="rss_version", cascade="all, delete-orphan",
        order_by="RssIndicator.position")

    def weight(self, dimension: Dimension) -> Decimal:
        return getattr(self, f"{dimension.value}_weight")


class RssIndicator(Base):
    __tablename__ = "rss_indicators"
    __table_args__ = (
        UniqueConstraint("version_id", "code", name="uq_rss_indicators_version_code"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("rss_versions.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))
    dimension: Mapped[Dimension] = mapped_column(enum_column(Dimension, "rss_dimension"))
    question: Mapped[str] = mapped_column(String(300))
    weight: Mapped[Decimal] = mapped_column(Score)
    position: Mapped[int] = mapped_column(default=0)

    rss_version: Mapped[RssVersion] = relationship(back_populates="indicators")
    options: Mapped[list[RssOption]] = relationship(
        back_populates="indicator", cascade="all, delete-orphan", order_by="RssOption.position")


class RssOption(Base):
    __tablename__ = "rss_options"
    __table_args__ = (
        UniqueConstraint("indicator_id", "code", name="uq_rss_options_indicator_code"),
        CheckConstraint("score >= 0 AND score <= 1", name="score_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("rss_indicators.id",
                                                         ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(200))
    score: Mapped[Decimal] = mapped_column(Score)
    position: Mapped[int] = mapped_column(default=0)

    indicator: Mapped[RssIndicator] = relationship(back_populates="options")


class RssSurvey(Base):
    __tablename__ = "rss_surveys"
    __table_args__ = (
        CheckConstraint("answered <= total AND answered >= 0", name="answered_in_range"),
        CheckConstraint("composite IS NULL OR (composite >= 0 AND composite <= 1)",
                        name="composite_in_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("followup_visits.id", ondelete="CASCADE"),
                                          unique=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("rss_versions.id"))
    economic: Mapped[Decimal | None] = mapped_column(Score)
    social: Mapped[Decimal | None] = mapped_column(Score)
    psychosocial: Mapped[Decimal | None] = mapped_column(Score)
    composite: Mapped[Decimal | None] = mapped_column(Score)
    answered: Mapped[int]
    total: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    visit: Mapped[FollowUpVisit] = relationship(back_populates="survey")
    rss_version: Mapped[RssVersion] = relationship()
    answers: Mapped[list[RssAnswer]] = relationship(back_populates="survey",
                                                    cascade="all, delete-orphan")

    @property
    def is_partial(self) -> bool:
        return self.answered < self.total


class RssAnswer(Base):
    __tablename__ = "rss_answers"

    survey_id: Mapped[int] = mapped_column(ForeignKey("rss_surveys.id", ondelete="CASCADE"),
                                           primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("rss_indicators.id"), primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("rss_options.id"))

    survey: Mapped[RssSurvey] = relationship(back_populates="answers")
    indicator: Mapped[RssIndicator] = relationship()
    option: Mapped[RssOption] = relationship()
