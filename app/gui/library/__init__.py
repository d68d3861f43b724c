"""The Library screen (issue 13): every track in one in-memory table that sorts and filters itself, a search
box speaking the core's query syntax, artist/album browse panes and a detail pane."""
