"""`arena run vectors`: pgvector similarity search, measured.

data.py makes the embeddings and the exact answer, plan.py checks the options, suite.py runs
one engine: insert rate, exact k-NN, HNSW and IVFFlat builds, approximate k-NN and recall.
"""
