"""The operations screens: maintenance notices, incidents, help and contacts."""
