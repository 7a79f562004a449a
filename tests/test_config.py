"""Configuration read from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from addin.config import Config, cadence_settings
from addin.errors import InputError


def test_embedded_default_is_sqlite_in_the_instance_folder(tmp_path):
    from sqlalchemy.engine import make_url

    config = Config.from_env({"OKR_INSTANCE_PATH": str(tmp_path / "inst")})
    url = make_url(config.database_url)
    assert url.drivername.startswith("sqlite")
    assert Path(url.database).parent == (tmp_path / "inst").resolve()
    assert config.tenant == "local"


def test_cadence_knobs_come_from_the_environment():
    settings = cadence_settings(
        {
            "OKR_ONLINE_MEETINGS": "false",
            "OKR_MEETING_CATEGORIES": "OKR, Rhythm",
            "OKR_REVIEW_WEEKDAY": "Tuesday",
            "OKR_REVIEW_WEEK": "first",
            "OKR_WORKBOOK_URL": "https://contoso.example/okrs.xlsx",
        }
    )
    assert settings.online_meeting is False
    assert settings.categories == ("OKR", "Rhythm")
    assert (settings.review_weekday, settings.review_index) == (1, "first")
    assert settings.workbook_url == "https://contoso.example/okrs.xlsx"
    assert cadence_settings({}).online_meeting is True  # Teams link on by default


@pytest.mark.parametrize(
    "name,value", [("OKR_ONLINE_MEETINGS", "sometimes"), ("OKR_REVIEW_WEEKDAY", "funday"), ("OKR_REVIEW_WEEK", "fifth")]
)
def test_a_bad_knob_is_named(name, value):
    with pytest.raises(InputError) as error:
        cadence_settings({name: value})
    assert error.value.details["field"] == name


def test_schedule_follows_the_configured_review_day(okr, tmp_path, instance, monkeypatch):
    import json

    path = tmp_path / "sample.xlsx"
    okr("template", "--sample", str(path))
    okr("sync", str(path))
    monkeypatch.setenv("OKR_REVIEW_WEEKDAY", "tuesday")
    report = json.loads(okr("schedule", "--dry-run", "--json").stdout)
    reviews = [m for m in report["meetings"] if "review" in m["kind"]]
    assert reviews and all("tuesday" in m["recurrence"].lower() for m in reviews)
