"""Shared fixtures: an organisation with two sites and a person for every role, plus an outsider."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from integrum.core.models import Membership, Organisation, Role, Site, User
from integrum.core.permissions import forget_memberships

# Playwright's sync API runs an event loop in the test thread; the ORM must still be allowed there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-9"


@pytest.fixture(autouse=True)
def _isolated(settings: Any, tmp_path: Any) -> Iterator[None]:
    """Each test gets its own media folder and an empty cache (throttle counters live there)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def standards(db: None) -> None:
    """The shipped standards library, loaded into the test database."""
    from integrum.standards.loader import load_library
    from integrum.standards.models import Standard

    if not Standard.objects.exists():
        load_library()


def make_user(email: str, first: str, last: str) -> User:
    return User.objects.create_user(email, PASSWORD, first_name=first, last_name=last)


def add_member(
    organisation: Organisation, user: User, role: str, sites: list[Site] | None = None
) -> Membership:
    membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    if sites:
        membership.sites.set(sites)
    forget_memberships(user)
    return membership


@pytest.fixture
def organisation(db: None) -> Organisation:
    return Organisation.objects.create(name="Acme Castings Ltd", slug="acme")


@pytest.fixture
def sites(organisation: Organisation) -> list[Site]:
    return [
        Site.objects.create(organisation=organisation, name="Birmingham works", code="BHM"),
        Site.objects.create(organisation=organisation, name="Leeds depot", code="LDS"),
    ]


@pytest.fixture
def other_organisation(db: None) -> Organisation:
    return Organisation.objects.create(name="Other Co", slug="other")


@pytest.fixture
def admin_user(organisation: Organisation) -> User:
    user = make_user("ada@acme.test", "Ada", "Admin")
    add_member(organisation, user, Role.ADMIN)
    return user


@pytest.fixture
def manager(organisation: Organisation) -> User:
    user = make_user("mia@acme.test", "Mia", "Manager")
    add_member(organisation, user, Role.MANAGER)
    return user


@pytest.fixture
def contributor(organisation: Organisation) -> User:
    user = make_user("carl@acme.test", "Carl", "Contributor")
    add_member(organisation, user, Role.CONTRIBUTOR)
    return user


@pytest.fixture
def viewer(organisation: Organisation) -> User:
    user = make_user("vera@acme.test", "Vera", "Viewer")
    add_member(organisation, user, Role.VIEWER)
    return user


@pytest.fixture
def outsider(other_organisation: Organisation) -> User:
    """A manager of another organisation: must see nothing of ours."""
    user = make_user("otto@other.test", "Otto", "Outsider")
    add_member(other_organisation, user, Role.MANAGER)
    return user


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_admin(admin_user: User) -> Client:
    return client_for(admin_user)


@pytest.fixture
def as_manager(manager: User) -> Client:
    return client_for(manager)


@pytest.fixture
def as_contributor(contributor: User) -> Client:
    return client_for(contributor)


@pytest.fixture
def as_viewer(viewer: User) -> Client:
    return client_for(viewer)


@pytest.fixture
def as_outsider(outsider: User) -> Client:
    return client_for(outsider)


@pytest.fixture
def count_queries() -> Any:
    """`count_queries(fn)`: how many SQL queries calling `fn` made."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def run(fn: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = fn()
        status = getattr(response, "status_code", 200)
        assert status == 200, f"expected 200, got {status}"
        return len(captured.captured_queries)

    return run


# --- Browser tests ---------------------------------------------------------------------------

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """The system's Chromium driven by Playwright; skipped (or failed in CI) where there is none."""
    from integrum.testing import find_chromium

    path = find_chromium()
    if path is None:
        if os.environ.get("INTEGRUM_REQUIRE_BROWSER") == "1":
            pytest.fail("INTEGRUM_REQUIRE_BROWSER=1 but no Chromium was found.")
        pytest.skip("No Chromium on this machine (see ./dev test's first line).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()
