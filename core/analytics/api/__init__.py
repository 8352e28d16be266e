"""The analytics API: aggregate, completeness, export."""
