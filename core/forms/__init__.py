"""Forms and periods (REQUIREMENTS F1–F9): forms as data, the designer, workbooks, expressions,
periods, automatic assignment and the national catalogues."""
