"""Quality inspection (issue 7, R18-R23): the monthly sampling plan, scoring forms and reviews,
the agent archive, the library of excellent recordings and the weekly report."""
