"""The analytics screens: totals, dashboard, exports, analysis scenarios, usage."""
