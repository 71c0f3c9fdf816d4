"""A whole-site audit (issue 16), pure parts: which pages to visit.

`urls` normalises URLs (the audit's dedup key) and says which are in scope; `sitemap` reads
sitemaps (XML, sitemap indexes, gzip); `frontier` is the breadth-first queue with depth, page
and host limits, include/exclude globs and robots.txt. Fetching and crawling a page's links
are the browser layer's.
"""
