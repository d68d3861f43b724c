"""Curation: playlists from other services and DJ tracklists matched to the library
(:mod:`.playlists`, :mod:`.playlist_entries`), harmonic DJ sets (:mod:`.setlist`), organizing files from
their tags (:mod:`.organize`, :mod:`.organize_apply`) and album ratings (:mod:`.ratings`). Headless: the
CLI (``tonearm playlist|setlist|organize|rate``) and the app's Playlists screen call these modules."""
