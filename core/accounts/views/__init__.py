"""The account screens: administration, the password change, FAB's own security screens tamed."""
