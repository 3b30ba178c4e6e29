"""Per-year counters (case and certificate numbers) under concurrent first use."""

from __future__ import annotations

import threading

import flask_migrate
import pytest
from sqlalchemy.orm import Session

from caseflow.cases.models import CaseCounter
from caseflow.db import bump_year_counter
from caseflow.extensions import db
from caseflow.printing.models import CertificateCounter
from tests.conftest import make_app


@pytest.mark.parametrize("counter", [CaseCounter, CertificateCounter])
def test_many_transactions_taking_the_first_numbers_of_a_year_at_once(databases, tmp_path,
                                                                      counter):
    """No counter row exists yet: every transaction creates it or waits for the one that
    does; none fails and no two share a value."""
    app = make_app(databases.new("counters"), tmp_path)
    with app.app_context():
        flask_migrate.upgrade()
        engine = db.engine
    values: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def take() -> None:
        try:
            start.wait()
            for _ in range(5):
                with Session(engine) as session:
                    values.append(bump_year_counter(session, counter, 2031))
                    session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert not errors, errors
    assert sorted(values) == list(range(1, 41))
