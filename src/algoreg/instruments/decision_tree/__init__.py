"""The AI Act decision aid ("beslishulp"): the official decision-tree format, its engine and the outcome.

``model`` reads the tree, ``conditions`` evaluates its jexl conditions, ``engine`` runs a session,
``profile`` turns the labels into the algorithm's AI Act profile, and ``analysis`` checks a whole tree.
"""
