"""SLOs and error budgets (DESIGN section 2, rules R7 and R8): calculators, SQL evaluation, ingestion, exports."""
