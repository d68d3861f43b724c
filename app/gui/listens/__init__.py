"""The Listens screen: the listening history as one table (issue 14). See :mod:`.screen`."""
