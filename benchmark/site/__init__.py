"""The report site: static HTML of the leaderboard and every run (see
:mod:`benchmark.site.build`), and the page of quotes on which two runs differ
(:mod:`benchmark.site.compare`)."""

from benchmark.site.build import build_site

__all__ = ["build_site"]
