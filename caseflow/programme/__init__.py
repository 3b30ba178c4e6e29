"""Programme reports: figures of the programme over a period (returns, stage durations,
services, budget, follow-ups, RSS scores), filtered by country, partner and office, as PDF,
XLSX or CSV made by a background job; and the charts of the manager's dashboard.

queries.py computes the aggregates in SQL, report.py gathers them into a ProgrammeReport of
plain values (and says who may see what), exports.py and templates/pdf/programme_report.html
turn that into files, jobs.py is the background job, views.py the filter page.
"""
