"""Analysis scenarios, export templates and export jobs as tables."""
