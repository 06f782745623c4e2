"""Call recordings: storage helpers and automatic QA analysis (R11, R23)."""
