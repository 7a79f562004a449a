"""The example organisation `okr template --sample` fills in: good OKRs and typical mistakes.

Five teams (two parents, three children) in five time zones — Europe/Madrid and
America/New_York observe daylight saving time, Asia/Kolkata, Asia/Tokyo and
America/Sao_Paulo do not. The key results mix well-written ones with the mistakes
the linter exists to catch; each deliberate mistake says which in ``SampleKr.flaw``
(used by the tests, never written to the workbook).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from addin.okr.quarters import Quarter


@dataclass(frozen=True, slots=True)
class SampleTeam:
    name: str
    lead: str
    members: tuple[str, ...]
    weekday: str
    time: dt.time
    timezone: str
    minutes: int
    parent: str | None


@dataclass(frozen=True, slots=True)
class SampleKr:
    team: str
    objective: str
    objective_type: str
    title: str
    kind: str | None
    owner: str | None
    baseline: float | None
    target: float | None
    current: float | None
    unit: str
    confidence: float | None
    aligns_to: str | None = None
    depends_on: str | None = None
    notes: str = ""
    flaw: str | None = None  # the pitfall slug this row deliberately shows


@dataclass(frozen=True, slots=True)
class SampleCheckIn:
    weeks_ago: int
    key_result: str
    value: float
    confidence: float
    note: str


TEAMS: tuple[SampleTeam, ...] = (
    SampleTeam("Product", "ana.lopez@example.com", ("ana.lopez@example.com", "tom.berg@example.com",
               "li.wei@example.com"), "Monday", dt.time(10, 0), "Europe/Madrid", 30, None),
    SampleTeam("Growth", "priya.nair@example.com", ("priya.nair@example.com", "sam.okafor@example.com",
               "julia.roth@example.com"), "Tuesday", dt.time(9, 30), "America/New_York", 30, "Product"),
    SampleTeam("Customer Success", "joao.silva@example.com", ("joao.silva@example.com",
               "marta.costa@example.com"), "Wednesday", dt.time(14, 0), "America/Sao_Paulo", 25, "Product"),
    SampleTeam("Engineering", "kenji.sato@example.com", ("kenji.sato@example.com", "ravi.kumar@example.com",
               "emma.novak@example.com"), "Thursday", dt.time(11, 0), "Asia/Tokyo", 45, None),
    SampleTeam("Platform", "ravi.kumar@example.com", ("ravi.kumar@example.com", "anil.mehta@example.com",
               "sara.ito@example.com"), "Monday", dt.time(15, 30), "Asia/Kolkata", 30, "Engineering"),
)  # fmt: skip

_O1 = "Make onboarding effortless for new teams"
_O2 = "Become the OKR tool managers recommend to their peers"
_O3 = "Grow self-serve revenue profitably"
_O4 = "Keep the platform fast and reliable"
_O5 = "Ship changes faster with confidence"
_O6 = "Make the data platform self-serve for every team"
_O7 = "Customers get value in their first quarter"
_O8 = "Fresh data everywhere, within a minute"

KEY_RESULTS: tuple[SampleKr, ...] = (
    SampleKr("Product", _O1, "committed", "Increase activation of new sign-ups from 32% to 45%", "increase",
             "ana.lopez@example.com", 32, 45, 37, "%", 0.7),
    SampleKr("Product", _O1, "committed", "Reduce median time to first published OKR from 3 days to 1 day",
             "decrease", "tom.berg@example.com", 3, 1, 2.5, "days", 0.6),
    SampleKr("Product", _O1, "committed", "Onboarding checklist live for all new workspaces", "milestone",
             "li.wei@example.com", 0, 1, 0, "", 0.8, notes="Done when every new workspace sees it."),
    SampleKr("Product", _O2, "aspirational", "Raise NPS from 31 to 55", "increase", "ana.lopez@example.com",
             31, 55, 36, "points", 0.4, notes="Stretch goal: 0.7 is a great result."),
    SampleKr("Product", _O2, "aspirational", "Grow referrals from 40 to 150 sign-ups a month", "increase",
             "tom.berg@example.com", 40, 150, 52, "sign-ups", 0.3),
    SampleKr("Growth", _O3, "committed", "Increase monthly self-serve revenue from $120k to $180k", "increase",
             "priya.nair@example.com", 120000, 180000, 131000, "USD", 0.6, aligns_to="Product",
             depends_on="Customer Success", notes="Needs CS to own trial follow-ups.",
             flaw="unacknowledged-dependency"),
    SampleKr("Growth", _O3, "committed", "Reduce monthly logo churn from 3.2% to 2.0%", "decrease",
             "sam.okafor@example.com", 3.2, 2.0, 2.9, "%", 0.5),
    SampleKr("Growth", _O3, "committed", "Run 5 marketing campaigns", None, "julia.roth@example.com",
             0, 5, 2, "campaigns", 0.9, flaw="activity-not-result"),
    SampleKr("Growth", _O3, "committed", "Write blog posts about OKRs", None, "julia.roth@example.com",
             None, None, None, "", None, flaw="no-measurable-target"),
    SampleKr("Customer Success", _O7, "committed", "Increase 90-day retention from 85% to 92%", "increase",
             "joao.silva@example.com", 85, 92, 87, "%", 0.7, aligns_to="Product"),
    SampleKr("Customer Success", _O7, "committed", "Reduce first response time from 6 h to 2 h", "decrease",
             "marta.costa@example.com", 6, 2, 4, "hours", 0.3, flaw="low-confidence-unaddressed"),
    SampleKr("Customer Success", _O7, "committed", "Hold weekly office hours", None, "marta.costa@example.com",
             None, None, None, "", 0.9, flaw="activity-not-result"),
    SampleKr("Engineering", _O4, "committed", "Maintain 99.9% API uptime", "stay-above", "kenji.sato@example.com",
             99.9, 99.9, 99.95, "%", 0.9, flaw="kpi-not-okr"),
    SampleKr("Engineering", _O4, "committed", "Reduce p95 API latency from 450 ms to 250 ms", "decrease",
             "emma.novak@example.com", 450, 250, 390, "ms", 0.6),
    SampleKr("Engineering", _O4, "committed", "Keep error-budget burn below 50%", "stay-below",
             "kenji.sato@example.com", 50, 50, 35, "%", 0.8, flaw="kpi-not-okr"),
    SampleKr("Engineering", _O5, "committed", "Cut lead time for changes from 5 days to 2 days", "decrease",
             "ravi.kumar@example.com", 5, 2, 4, "days", 0.6, depends_on="Platform",
             notes="Platform's scheduler migration unblocks this."),
    SampleKr("Engineering", _O5, "committed", "Increase automated test coverage from 61% to 62%", "increase",
             "emma.novak@example.com", 61, 62, 63, "%", 1.0, flaw="trivial-target"),
    SampleKr("Engineering", _O5, "committed", "Reduce flaky test rate from 8% to 2%", "decrease",
             None, 8, 2, 6, "%", 0.5, flaw="no-owner"),
    SampleKr("Platform", _O6, "committed", "Migrate pipelines to the new scheduler from 12 to 40", "increase",
             "anil.mehta@example.com", 12, 40, 18, "pipelines", 0.6, aligns_to="Engineering",
             depends_on="Engineering", notes="Engineering reviews each migration."),
    SampleKr("Platform", _O6, "committed", "Increase teams running their own dashboards from 3 to 12", "increase",
             "sara.ito@example.com", 3, 12, 5, "teams", 0.7),
    SampleKr("Platform", _O8, "aspirational", "Reduce data freshness lag from 60 min to 1 min", "decrease",
             "ravi.kumar@example.com", 60, 1, 45, "minutes", 0.4),
    SampleKr("Platform", _O8, "aspirational", "Stream 100% of product events, up from 20%", "increase",
             "anil.mehta@example.com", 20, 100, 35, "%", 0.5),
)  # fmt: skip

CHECK_INS: tuple[SampleCheckIn, ...] = (
    SampleCheckIn(3, "Increase activation of new sign-ups from 32% to 45%", 34, 0.7, "New welcome email live."),
    SampleCheckIn(1, "Increase activation of new sign-ups from 32% to 45%", 37, 0.7, ""),
    SampleCheckIn(3, "Reduce first response time from 6 h to 2 h", 5, 0.35, ""),
    SampleCheckIn(1, "Reduce first response time from 6 h to 2 h", 4, 0.3, ""),
    SampleCheckIn(2, "Reduce p95 API latency from 450 ms to 250 ms", 410, 0.6, "Cache in front of search."),
    SampleCheckIn(1, "Reduce p95 API latency from 450 ms to 250 ms", 390, 0.6, ""),
    SampleCheckIn(2, "Migrate pipelines to the new scheduler from 12 to 40", 18, 0.6, "Blocked on reviews."),
)


def due_date(quarter: Quarter) -> dt.date:
    """Every sample KR is due on the quarter's last day."""
    return quarter.end


def checkin_date(today: dt.date, weeks_ago: int) -> dt.date:
    """Sample check-in dates, counted back from ``today``."""
    return today - dt.timedelta(weeks=weeks_ago)
