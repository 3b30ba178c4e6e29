"""The follow-up visit form with the RSS questionnaire: one radio group per indicator."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from caseflow.followups.models import (
    VISIT_MODE_LABELS,
    Dimension,
    FollowUpVisit,
    RssIndicator,
    RssVersion,
    VisitMode,
)
from caseflow.followups.services import MAX_TEXT
from caseflow.web import choices

NOT_ANSWERED = ""


class VisitForm(FlaskForm):
    done_on = DateField(_l("Date of the visit"), validators=[
        InputRequired(_l("Enter the date of the visit."))])
    mode = SelectField(_l("How the visit took place"), choices=choices(
        [("", _l("Choose")), *VISIT_MODE_LABELS.items()]),
        validators=[DataRequired(_l("Choose how the visit took place."))])
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=MAX_TEXT)],
                          description=_l("What you saw and heard. Write only what the "
                                         "follow-up needs."))
    next_steps = TextAreaField(_l("Next steps"), validators=[Optional(), Length(max=MAX_TEXT)])
    version = HiddenField()

    rss: RssVersion | None = None

    @staticmethod
    def question_name(indicator: RssIndicator) -> str:
        return f"q{indicator.id}"

    def question(self, indicator: RssIndicator) -> Any:
        return self[self.question_name(indicator)]

    def questions_by_dimension(self) -> list[tuple[Dimension, list[tuple[RssIndicator, Any]]]]:
        """[(dimension, [(indicator, radio field)])], in the questionnaire's order."""
        if self.rss is None:
            return []
        return [(d, [(i, self.question(i)) for i in self.rss.indicators if i.dimension is d])
                for d in Dimension]

    def answers(self) -> dict[int, int | None]:
        """{indicator id: option id, or None when not answered}."""
        if self.rss is None:
            return {}
        result: dict[int, int | None] = {}
        for indicator in self.rss.indicators:
            value = self.question(indicator).data
            result[indicator.id] = int(value) if value and str(value).isdigit() else None
        return result

    def mode_value(self) -> VisitMode | None:
        return VisitMode(self.mode.data) if self.mode.data in VisitMode.__members__ else None

    def fill_from(self, visit: FollowUpVisit) -> None:
        """Show a recorded visit for correction; answers only if scored with this version."""
        self.version.data = str(visit.version)
        if visit.done_on is None:
            return
        self.done_on.data = visit.done_on
        self.mode.data = visit.mode.value if visit.mode else ""
        self.notes.data = visit.notes or ""
        self.next_steps.data = visit.next_steps or ""
        if visit.survey is not None and self.rss is not None \
                and visit.survey.version_id == self.rss.id:
            for answer in visit.survey.answers:
                name = f"q{answer.indicator_id}"
                if name in self:
                    self[name].data = str(answer.option_id)


def visit_form(rss: RssVersion | None, **kwargs: Any) -> VisitForm:
    """The visit form with a radio group per indicator of `rss`, each with an explicit
    "not answered" first."""

    class _VisitForm(VisitForm):
        pass

    for indicator in rss.indicators if rss else []:
        setattr(_VisitForm, VisitForm.question_name(indicator), RadioField(
            indicator.question, default=NOT_ANSWERED, choices=choices(
                [(NOT_ANSWERED, _l("Not answered")),
                 *((str(o.id), o.label) for o in indicator.options)])))
    form = _VisitForm(**kwargs)
    form.rss = rss
    return form
