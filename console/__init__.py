"""The QA console (issue 10): static files only (`static/`: HTML, CSS, framework-free
JavaScript), served by the API process at /console/ (api.app). No Python logic lives here:
every page talks to the API with the signed-in token, under the same role rules as any
client."""
