"""The light head lookup the app uses at start-up agrees with Alembic's own answer."""

from __future__ import annotations

from models.bootstrap import head_revision
from models.migrations.heads import script_head


def test_the_light_head_lookup_agrees_with_alembic() -> None:
    assert script_head() == head_revision()
