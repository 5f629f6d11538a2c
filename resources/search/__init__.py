"""Search for learners, the same on SQLite and PostgreSQL: text (normalising and segmenting),
query (the web search syntax and synonyms), index (documents' terms, kept current by the
database), engine (running a query), documents (the catalogue's kinds). The pages read it
through resources.selectors and learnpaths.selectors."""
