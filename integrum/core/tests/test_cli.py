"""The `integrum` command: `demo`, `serve` and `audit verify`, in-process and through the real
console script as a user runs it (a subprocess with its own data directory)."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import override_settings

from integrum.core.changelog import verify_chain
from integrum.core.management.commands.demo import CLIENT_SLUG, DEMO_PASSWORD, DEMO_SLUG, LOGIN_EMAIL
from integrum.core.management.commands.serve import gunicorn_options, server_url
from integrum.core.models import Membership, ObjectChange, Organisation, Role, User

# --- In-process: what the demo creates -------------------------------------------------------
# Seeding takes most of half a minute, so the tests that only read what the demo created share one
# seed: the class fixture seeds inside a transaction that is rolled back when the class is done, and
# each test runs in a savepoint of its own within it, as Django's TestCase.setUpTestData does.


def run_demo() -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    return out.getvalue()


def demo_counts() -> dict[str, int]:
    from integrum.actions.models import Action
    from integrum.assessments.models import Assessment, AssessmentItem

    return {
        "organisations": Organisation.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "assessments": Assessment.objects.count(),
        "items": AssessmentItem.objects.count(),
        "actions": Action.objects.count(),
        "changes": ObjectChange.objects.count(),
    }


@pytest.fixture(scope="class")
def seeded_demo(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """`integrum demo --no-serve` run once on the empty test database, undone after the class."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    # What the autouse `_isolated` fixture sets for each test, set here for the seeding.
    isolated = override_settings(
        DATA_DIR=data_dir,
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    )
    with django_db_blocker.unblock(), isolated, transaction.atomic():
        try:
            yield {"output": run_demo(), "data_dir": data_dir}
        finally:
            transaction.set_rollback(True)


@pytest.mark.django_db
@pytest.mark.usefixtures("seeded_demo")
class TestWhatTheDemoCreates:
    def test_it_seeds_the_demo_once_and_prints_the_login_every_time(
        self, seeded_demo: dict[str, Any], settings: Any
    ) -> None:
        first = seeded_demo["output"]
        assert "Demo organisation created" in first
        counts = demo_counts()
        settings.DATA_DIR = seeded_demo["data_dir"]
        second = run_demo()

        assert demo_counts() == counts
        assert "exists already" in second
        for output in (first, second):
            assert LOGIN_EMAIL in output
            assert DEMO_PASSWORD in output
            assert "http://127.0.0.1:8000/login/" in output
        assert seeded_demo["data_dir"].is_dir()
        assert verify_chain().ok

    def test_it_gives_the_demo_a_member_for_every_role_and_a_second_organisation(self) -> None:
        northwind = Organisation.objects.get(slug=DEMO_SLUG)
        memberships = list(Membership.objects.filter(organisation=northwind).prefetch_related("sites"))
        assert {m.role for m in memberships} == set(Role.values)
        assert Membership.objects.get(organisation=northwind, user__email=LOGIN_EMAIL).role == Role.ADMIN
        limited = [m for m in memberships if m.site_ids]
        assert len(limited) == 1
        assert limited[0].role == Role.CONTRIBUTOR
        assert [site.code for site in limited[0].sites.all()] == ["ROT"]

        consultant_orgs = Membership.objects.filter(user__email__startswith="sam.").values_list(
            "organisation__slug", "role"
        )
        assert (CLIENT_SLUG, Role.ADMIN) in set(consultant_orgs)
        assert len(consultant_orgs) == 2
        helen = User.objects.get(email=LOGIN_EMAIL)
        assert helen.check_password(DEMO_PASSWORD)

    def test_it_leaves_the_demo_gap_analysis_part_way_with_justified_exclusions(self) -> None:
        from integrum.assessments.models import Assessment, AssessmentItem

        assessment = Assessment.objects.get(title="Integrated readiness review 2026")
        assert assessment.integrated
        assert sorted(s.key for s in assessment.standards.all()) == ["ISO 14001:2015", "ISO 9001:2015"]
        items = list(assessment.items.prefetch_related("clauses__standard"))
        assessed = [i for i in items if i.status != AssessmentItem.Status.NOT_ASSESSED]
        assert 0.5 <= len(assessed) / len(items) <= 0.7
        statuses = {i.status for i in assessed}
        assert statuses == {"met", "partly_met", "not_met", "not_applicable"}

        for item in assessed:
            if item.status == AssessmentItem.Status.NOT_APPLICABLE:
                assert item.justification.strip()
                assert all(c.exclusion_allowed for c in item.clauses.all())
                assert item.clause.number.startswith("8.3")
            elif item.status in (AssessmentItem.Status.NOT_MET, AssessmentItem.Status.PARTLY_MET):
                assert item.owner is not None and item.target_date is not None, item
            assert item.notes or item.justification

    def test_it_gives_the_demo_environmental_data_inventories_kpis_and_objectives(self) -> None:
        from integrum.ghg.models import FactorDataset, Inventory
        from integrum.ghg.services import inventory_totals
        from integrum.measurement.models import Meter, MonthlyTotal
        from integrum.performance.models import Kpi, Objective
        from integrum.performance.selectors import objectives_progress

        northwind = Organisation.objects.get(slug=DEMO_SLUG)
        assert {m.kind for m in Meter.objects.filter(organisation=northwind)} == {
            "electricity",
            "gas",
            "fuel",
            "water",
            "waste",
        }
        assert MonthlyTotal.objects.filter(organisation=northwind, month__year=2024).count() == 9 * 12
        assert set(FactorDataset.objects.values_list("identifier", flat=True)) == {
            "desnz-2024-v1.1",
            "desnz-2025-v1",
            "desnz-2026-v1",
        }
        inventories = {i.year: i for i in Inventory.objects.filter(organisation=northwind)}
        assert inventories[2024].status == inventories[2025].status == "closed"
        assert not any(i.problems or i.changed_since_close for i in inventories.values())
        assert inventories[2024].dataset.identifier == "desnz-2024-v1.1"
        # Every scope has emissions, and the REGO certificates make market-based scope 2 lower in 2025.
        totals = inventory_totals(inventories[2025])
        assert all(totals[key] > 0 for key in ("scope_1", "scope_2_location", "scope_2_market", "scope_3"))
        assert totals["scope_2_market"] < totals["scope_2_location"]
        assert {k.source for k in Kpi.objects.filter(organisation=northwind)} == {
            "manual",
            "meters",
            "emissions",
        }
        progress = objectives_progress(list(Objective.objects.filter(organisation=northwind)))
        assert len(progress) == 4 and all(p.latest is not None for p in progress.values())

    def test_it_gives_the_demo_audits_nonconformities_and_reviews(self) -> None:
        from integrum.audits.models import Audit, Finding
        from integrum.improvement.models import Nonconformity
        from integrum.reviews.models import ManagementReview

        northwind = Organisation.objects.get(slug=DEMO_SLUG)
        assert {a.status for a in Audit.objects.filter(organisation=northwind)} >= {
            "planned",
            "in_progress",
            "reported",
            "closed",
        }
        assert Finding.objects.filter(organisation=northwind, grade="minor").exists()
        ncs = Nonconformity.objects.filter(organisation=northwind)
        assert {nc.status for nc in ncs} >= {"reported", "open", "action", "verification", "closed"}
        assert ncs.filter(finding__isnull=False).exists() and ncs.filter(evaluation__isnull=False).exists()
        assert [
            r.status for r in ManagementReview.objects.filter(organisation=northwind).order_by("number")
        ] == [
            "signed",
            "compiled",
        ]

    def test_it_gives_the_demo_actions_of_every_status_from_gaps_and_elsewhere(self) -> None:
        from integrum.actions.models import Action
        from integrum.assessments.models import AssessmentItem
        from integrum.environment.models import ComplianceEvaluation
        from integrum.improvement.models import Nonconformity
        from integrum.performance.models import Objective
        from integrum.reviews.models import ReviewOutput
        from integrum.risks.models import Risk

        northwind = Organisation.objects.get(slug=DEMO_SLUG)
        actions = list(Action.objects.filter(organisation=northwind))
        # From the gap analysis, the risk register, a failed evaluation of compliance, objectives'
        # plans, nonconformities and management reviews, and on their own.
        assert 10 <= len(actions) <= 50
        assert {a.status for a in actions} == set(Action.Status.values)
        assert all(a.outcome for a in actions if a.status == Action.Status.DONE)
        assert len({a.owner_id for a in actions}) >= 4
        assert len({a.priority for a in actions}) >= 3
        assert Action.objects.filter(organisation=northwind).overdue().count() >= 2
        raised = [a for a in actions if a.source_type is not None]
        assert 3 <= len(raised) < len(actions)
        assert all(
            isinstance(
                a.source,
                AssessmentItem | Risk | ComplianceEvaluation | Objective | Nonconformity | ReviewOutput,
            )
            for a in raised
        )
        assert sum(isinstance(a.source, AssessmentItem) for a in raised) >= 3
        assert sum(isinstance(a.source, Nonconformity) for a in raised) >= 3
        assert sum(isinstance(a.source, ReviewOutput) for a in raised) >= 3

        # Written through the services by the people themselves, so the change log tells the story.
        changes = ObjectChange.objects.filter(organisation_id=northwind.pk)
        assert not changes.filter(actor_id__isnull=True).exists()
        assert changes.filter(action=ObjectChange.Action.TRANSITION, message="In progress → Done").exists()
        assert changes.values("actor_id").distinct().count() >= 4


# --- In-process: audit and serve -------------------------------------------------------------


@pytest.mark.django_db
def test_it_reports_an_intact_change_log(organisation: Organisation) -> None:
    organisation.name = "Renamed"
    organisation.save()
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    count = ObjectChange.objects.count()
    assert count >= 2
    assert f"Change log intact: {count} entries verified." in out.getvalue()


@pytest.mark.django_db
def test_it_fails_verification_naming_the_tampered_entry(organisation: Organisation) -> None:
    organisation.name = "Renamed"
    organisation.save()
    entry = ObjectChange.objects.order_by("id").first()
    assert entry is not None
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_objectchange SET message = %s WHERE id = %s", ["edited", entry.pk])
    with pytest.raises(CommandError, match=rf"entry #{entry.pk}: its content does not match") as raised:
        call_command("audit", "verify")
    assert raised.value.returncode == 1


def test_it_shows_the_audit_subcommands_when_given_none(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("audit")
    assert "verify" in capsys.readouterr().out


def test_it_configures_gunicorn_without_a_control_socket_and_with_known_settings() -> None:
    from gunicorn.config import Config

    options = gunicorn_options(host="127.0.0.1", port=8123, workers=2)
    known = Config().settings
    assert set(options) <= set(known), "every option must exist in the installed gunicorn"
    assert options["control_socket_disable"] is True
    assert options["bind"] == ["127.0.0.1:8123"]
    assert server_url("0.0.0.0", 8000) == "http://127.0.0.1:8000/"
    assert server_url("::1", 8000) == "http://[::1]:8000/"


# --- Through the real console script ---------------------------------------------------------


def integrum_command() -> list[str]:
    script = Path(sys.executable).with_name("integrum")
    return [str(script)] if script.exists() else [sys.executable, "-m", "integrum.cli"]


def cli_env(data_dir: Path, home: Path) -> dict[str, str]:
    env = dict(os.environ)
    # Always the embedded SQLite database, also when the suite itself runs on PostgreSQL.
    env.pop("DATABASE_URL", None)
    env.pop("XDG_RUNTIME_DIR", None)
    env.update(INTEGRUM_DATA_DIR=str(data_dir), HOME=str(home), DJANGO_SETTINGS_MODULE="integrum.settings")
    return env


def integrum(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*integrum_command(), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def table_counts(database: Path) -> dict[str, int]:
    tables = [
        "core_organisation",
        "core_user",
        "core_membership",
        "assessments_assessmentitem",
        "actions_action",
        "core_objectchange",
        "standards_clause",
    ]
    with sqlite3.connect(database) as db:
        return {table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in tables}


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A data directory set up by `integrum demo --no-serve`, as a user would run it."""
    root = tmp_path_factory.mktemp("cli")
    home = root / "home"
    home.mkdir()
    env = cli_env(root / "var", home)
    first = integrum(env, "demo", "--no-serve", cwd=root)
    assert first.returncode == 0, first.stderr
    yield {"root": root, "home": home, "env": env, "db": root / "var" / "integrum.sqlite3", "first": first}


def test_it_runs_the_demo_command_twice_without_duplicating_anything(demo_site: dict[str, Any]) -> None:
    first: subprocess.CompletedProcess[str] = demo_site["first"]
    assert "Demo organisation created" in first.stdout
    counts = table_counts(demo_site["db"])
    assert counts["core_organisation"] == 2
    assert counts["actions_action"] >= 12
    assert counts["standards_clause"] > 100

    second = integrum(demo_site["env"], "demo", "--no-serve", cwd=demo_site["root"])
    assert second.returncode == 0, second.stderr
    assert "exists already" in second.stdout
    for run in (first, second):
        assert LOGIN_EMAIL in run.stdout and DEMO_PASSWORD in run.stdout
    assert table_counts(demo_site["db"]) == counts


def copy_database(source: Path, target_dir: Path) -> Path:
    """A consistent copy through SQLite's backup API (the live file may have a WAL beside it)."""
    target_dir.mkdir(parents=True)
    shutil.copy(source.parent / "secret_key", target_dir / "secret_key")
    target = target_dir / source.name
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    return target


def test_it_verifies_the_demo_change_log_from_the_console(demo_site: dict[str, Any]) -> None:
    result = integrum(demo_site["env"], "audit", "verify", cwd=demo_site["root"])
    assert result.returncode == 0, result.stderr
    total = table_counts(demo_site["db"])["core_objectchange"]
    assert total > 40
    assert f"Change log intact: {total} entries verified." in result.stdout


@pytest.mark.parametrize(
    ("tampering", "entry", "reason"),
    [
        ("""UPDATE core_objectchange SET "after" = '{"status": "met"}' WHERE id = 40""", 40, "content"),
        ("DELETE FROM core_objectchange WHERE id = 25", 25, "missing"),
    ],
    ids=["altered-after", "deleted-middle-entry"],
)
def test_it_detects_tampering_in_the_database_file(
    demo_site: dict[str, Any], tmp_path: Path, tampering: str, entry: int, reason: str
) -> None:
    database = copy_database(demo_site["db"], tmp_path / "var")
    with sqlite3.connect(database) as db:
        assert db.execute(tampering).rowcount == 1

    env = {**demo_site["env"], "INTEGRUM_DATA_DIR": str(tmp_path / "var")}
    broken = integrum(env, "audit", "verify", cwd=tmp_path)
    assert broken.returncode == 1
    assert f"entry #{entry}:" in broken.stderr
    assert reason in broken.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def test_it_serves_the_login_page_and_its_static_files_and_stops_on_ctrl_c(demo_site: dict[str, Any]) -> None:
    port = free_port()
    server = subprocess.Popen(
        [*integrum_command(), "serve", "--port", str(port), "--workers", "1"],
        env=demo_site["env"],
        cwd=demo_site["root"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        status, page, deadline = 0, "", time.monotonic() + 20
        while time.monotonic() < deadline and server.poll() is None:
            try:
                status, page = http_get(f"http://127.0.0.1:{port}/login/")
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        assert status == 200, f"no answer from integrum serve: {server.poll()=}"
        assert "Sign in" in page
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page)
        assert stylesheet, "the login page links its stylesheet"
        assert http_get(f"http://127.0.0.1:{port}{stylesheet.group(1)}")[0] == 200
    finally:
        server.send_signal(signal.SIGINT)
        try:
            out, err = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    assert server.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in out
    # gunicorn's control socket would otherwise appear under the home directory.
    assert not (demo_site["home"] / ".gunicorn").exists()
