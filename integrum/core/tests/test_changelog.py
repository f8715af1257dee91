"""The change log: what each kind of write records, who it is attributed to, and that the hash
chain finds every kind of tampering done behind the application's back (raw SQL)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from integrum.core.changelog import GENESIS_HASH, acting_as, change_note, verify_chain
from integrum.core.models import ChainHead, Membership, ObjectChange, Organisation, Role, Site, User

pytestmark = pytest.mark.django_db


def entries_for(obj: object) -> list[ObjectChange]:
    return list(ObjectChange.objects.for_object(obj).order_by("id"))  # type: ignore[arg-type]


def last_entry() -> ObjectChange:
    return ObjectChange.objects.order_by("-id").first()  # type: ignore[return-value]


def run_sql(sql: str, params: list[str | int] | None = None) -> None:
    """Tamper with the stored rows directly, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


@pytest.fixture
def chain(organisation: Organisation) -> list[ObjectChange]:
    """A few entries to tamper with: create, two updates, a second record."""
    organisation.description = "Castings"
    organisation.save()
    organisation.name = "Acme Castings plc"
    organisation.save()
    Site.objects.create(organisation=organisation, name="Walsall", code="WSL")
    entries = list(ObjectChange.objects.order_by("id"))
    assert len(entries) >= 4
    return entries


# --- What is recorded ------------------------------------------------------------------------


def test_it_records_a_create_with_the_full_after_snapshot(organisation: Organisation) -> None:
    [entry] = entries_for(organisation)
    assert entry.action == ObjectChange.Action.CREATE
    assert entry.before is None
    assert entry.after is not None
    assert entry.after["name"] == "Acme Castings Ltd"
    assert entry.after["slug"] == "acme"
    assert "created_at" not in entry.after  # noise fields stay out
    assert entry.organisation_id == organisation.pk
    assert entry.object_repr == "Acme Castings Ltd"


def test_it_records_an_update_with_before_and_after_of_the_changed_fields_only(
    organisation: Organisation,
) -> None:
    organisation.name = "Acme Foundry Ltd"
    organisation.save()
    entry = entries_for(organisation)[-1]
    assert entry.action == ObjectChange.Action.UPDATE
    assert entry.before == {"name": "Acme Castings Ltd"}
    assert entry.after == {"name": "Acme Foundry Ltd"}
    assert entry.field_changes() == [("name", "Acme Castings Ltd", "Acme Foundry Ltd")]


def test_it_writes_nothing_for_an_update_that_changes_nothing(organisation: Organisation) -> None:
    count = ObjectChange.objects.count()
    organisation.save()
    Organisation.objects.get(pk=organisation.pk).save()
    assert ObjectChange.objects.count() == count


def test_it_records_a_delete_with_the_full_before_snapshot(sites: list[Site]) -> None:
    site = sites[1]
    site_pk = site.pk
    site.delete()
    entry = last_entry()
    assert entry.action == ObjectChange.Action.DELETE
    assert entry.object_id == str(site_pk)
    assert entry.after is None
    assert entry.before is not None
    assert entry.before["code"] == "LDS"
    assert entry.before["name"] == "Leeds depot"


def test_it_records_many_to_many_changes_as_sorted_id_lists(
    organisation: Organisation, sites: list[Site], admin_user: User
) -> None:
    membership = Membership.objects.get(organisation=organisation, user=admin_user)
    membership.sites.set(sites)
    entry = last_entry()
    assert entry.action == ObjectChange.Action.UPDATE
    assert entry.object_id == str(membership.pk)
    assert entry.before == {"sites": []}
    assert entry.after == {"sites": sorted(site.pk for site in sites)}

    membership.sites.remove(sites[0])
    entry = last_entry()
    assert entry.before == {"sites": sorted(site.pk for site in sites)}
    assert entry.after == {"sites": [sites[1].pk]}

    count = ObjectChange.objects.count()
    membership.sites.set([sites[1]])  # already so: nothing to record
    assert ObjectChange.objects.count() == count


def test_it_attributes_writes_to_the_acting_user_and_otherwise_to_the_system(
    organisation: Organisation, admin_user: User
) -> None:
    organisation.name = "By nobody in particular"
    organisation.save()
    unattributed = last_entry()
    assert unattributed.actor_id is None
    assert unattributed.actor_label == "system"

    with acting_as(admin_user):
        organisation.name = "By Ada"
        organisation.save()
        organisation.description = "Also by Ada"
        organisation.save()
    first, second = entries_for(organisation)[-2:]
    assert first.actor_id == admin_user.pk
    assert first.actor_label == "Ada Admin"
    # One acting_as block is one unit of work: its entries share a request id.
    assert first.request_id and first.request_id == second.request_id


def test_it_records_a_workflow_step_with_its_message(organisation: Organisation) -> None:
    with change_note(ObjectChange.Action.TRANSITION, "Draft → Approved"):
        organisation.description = "Approved"
        organisation.save()
    entry = last_entry()
    assert entry.action == ObjectChange.Action.TRANSITION
    assert entry.message == "Draft → Approved"


def test_it_numbers_entries_without_gaps_and_links_each_to_the_one_before(chain: list[ObjectChange]) -> None:
    assert [entry.pk for entry in chain] == list(range(1, len(chain) + 1))
    assert chain[0].prev_hash == GENESIS_HASH
    for before, after in itertools.pairwise(chain):
        assert after.prev_hash == before.hash
    head = ChainHead.objects.get(pk=1)
    assert (head.last_id, head.last_hash) == (chain[-1].pk, chain[-1].hash)


# --- Append-only -----------------------------------------------------------------------------


def test_it_refuses_to_save_an_existing_entry_again(chain: list[ObjectChange]) -> None:
    entry = chain[0]
    entry.message = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()


def test_it_refuses_to_delete_an_entry(chain: list[ObjectChange]) -> None:
    with pytest.raises(PermissionError):
        chain[0].delete()


def test_it_refuses_queryset_updates_and_deletes(chain: list[ObjectChange]) -> None:
    with pytest.raises(PermissionError):
        ObjectChange.objects.filter(pk=1).update(message="rewritten")
    with pytest.raises(PermissionError):
        ObjectChange.objects.all().delete()
    assert ObjectChange.objects.count() == len(chain)


# --- Verification ----------------------------------------------------------------------------


def test_it_verifies_an_untouched_chain(chain: list[ObjectChange]) -> None:
    result = verify_chain()
    assert result.ok
    assert result.checked == len(chain)


def test_it_verifies_an_empty_chain(db: None) -> None:
    result = verify_chain()
    assert result.ok
    assert result.checked == 0


def test_it_detects_an_altered_message(chain: list[ObjectChange]) -> None:
    target = chain[1]
    run_sql("UPDATE core_objectchange SET message = %s WHERE id = %s", ["nothing to see here", target.pk])
    result = verify_chain()
    assert not result.ok
    assert result.broken_id == target.pk
    assert "content" in result.reason
    assert result.checked == target.pk - 1


def test_it_detects_an_altered_after_snapshot(chain: list[ObjectChange]) -> None:
    target = chain[2]
    run_sql(
        'UPDATE core_objectchange SET "after" = %s WHERE id = %s', ['{"name": "Innocent Ltd"}', target.pk]
    )
    result = verify_chain()
    assert (result.broken_id, result.ok) == (target.pk, False)


def test_it_detects_an_altered_actor(chain: list[ObjectChange]) -> None:
    target = chain[1]
    run_sql("UPDATE core_objectchange SET actor_label = %s WHERE id = %s", ["Someone else", target.pk])
    assert verify_chain().broken_id == target.pk


def test_it_detects_a_rewritten_entry_whose_hash_was_recomputed(chain: list[ObjectChange]) -> None:
    """A forger who also recomputes the entry's own hash still breaks the next entry's link."""
    from integrum.core.changelog import entry_hash

    target = chain[1]
    run_sql("UPDATE core_objectchange SET message = %s WHERE id = %s", ["forged", target.pk])
    forged = ObjectChange.objects.get(pk=target.pk)
    run_sql("UPDATE core_objectchange SET hash = %s WHERE id = %s", [entry_hash(forged), target.pk])
    result = verify_chain()
    assert result.broken_id == target.pk + 1
    assert "does not point" in result.reason


def test_it_detects_an_altered_prev_hash(chain: list[ObjectChange]) -> None:
    target = chain[2]
    run_sql("UPDATE core_objectchange SET prev_hash = %s WHERE id = %s", ["f" * 64, target.pk])
    result = verify_chain()
    assert result.broken_id == target.pk
    assert "does not point" in result.reason


def test_it_detects_a_removed_entry_in_the_middle(chain: list[ObjectChange]) -> None:
    target = chain[1]
    run_sql("DELETE FROM core_objectchange WHERE id = %s", [target.pk])
    result = verify_chain()
    assert result.broken_id == target.pk
    assert "missing" in result.reason


def test_it_detects_a_removed_tail_through_the_chain_head(chain: list[ObjectChange]) -> None:
    last = chain[-1]
    run_sql("DELETE FROM core_objectchange WHERE id = %s", [last.pk])
    result = verify_chain()
    assert not result.ok
    assert result.broken_id == last.pk
    assert "removed" in result.reason
    assert result.checked == len(chain) - 1


def test_it_keeps_verifying_after_more_writes_on_a_good_chain(
    chain: list[ObjectChange], organisation: Organisation, admin_user: User
) -> None:
    with acting_as(admin_user):
        Membership.objects.filter(user=admin_user).get().delete()
        Membership.objects.create(organisation=organisation, user=admin_user, role=Role.MANAGER)
    assert verify_chain().ok
