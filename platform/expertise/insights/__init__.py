"""Insights: the coordinator dashboard, usage figures, exports, the monthly report and reminders."""
