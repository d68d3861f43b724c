"""The Stats screen (issue 15): numbers and charts of one user's listening over a range of their days."""
