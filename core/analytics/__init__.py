"""Analytics (REQUIREMENTS R1, R2, R7–R10): roll-up, completeness, trends, exports, dashboards,
analysis scenarios and usage reports."""
