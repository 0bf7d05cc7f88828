"""Materials handed in with an application."""

import pytest

from onestop.cases.models import Material

from .helpers import PNG, submit

pytestmark = pytest.mark.django_db


def test_uploads_are_stored_outside_the_web_root_under_random_names(client, staff, applicant):
    app = submit(staff, applicant, matters=["CERT"], accept=False)
    stored = Material.objects.get(application=app)
    assert stored.content_type == "image/png" and stored.size == len(PNG)
    assert "photo" not in stored.file.name and stored.file.name.startswith(f"materials/{app.pk}/")
    assert stored.file.read() == PNG
    for url in (
        f"/{stored.file.name}",
        f"/media/{stored.file.name}",
        f"/static/{stored.file.name}",
    ):
        assert client.get(url).status_code == 404  # nothing serves the folder directly
