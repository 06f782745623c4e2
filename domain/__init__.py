"""The pure core: the working calendar, the routing decision, the status words and the rules'
thresholds. Standard library only, and importing nothing of the project above it, because the
pyst2 fallback copies these files into Asterisk's root and runs them on that root's Python.

Rules cited here (R1-R26) are in docs/service-rules.md."""
