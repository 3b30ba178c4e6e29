"""Printed reports of one case: the whole case for a manager (case_report), the report of
one follow-up visit and the monitoring report of all visits (followup_report).

Each document is built in three steps, as the certificates are: a plain context from the case
(loaded with selectinload, so the query count does not grow with the case), an HTML template
under templates/pdf/ (autoescaped, testable on its own) and printing.pdf.render_pdf with the
locked-down fetcher. What a reader may not see in the app is left out of the context, not
hidden by the template.
"""
