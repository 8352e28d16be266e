"""Forms, their catalogues, periods and schedules as tables."""
