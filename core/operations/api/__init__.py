"""The operations area's REST API: maintenance notices (``/api/v1/maintenance/``)."""
