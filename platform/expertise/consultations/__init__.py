"""The weekly consultation (wekelijks overleg), its agenda and attendance, and triage."""
