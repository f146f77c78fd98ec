"""What several checks read, computed once: facts a file check records for phase 2, the blocking index,
database sessions and schema, migration files, the project's layout and files, kinds of classes.

Checks import from here and never from each other, so a check can move, split or go without breaking another.
"""
