"""The knowledge base as a Dagster asset: the articles in docs/knowledge/ indexed into `serving.kb_articles`
(the retrieval itself is `ml/knowledge`)."""
