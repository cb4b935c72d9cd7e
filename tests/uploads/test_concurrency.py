"""Concurrent duplicates on a real database (UPL-7): the unique (token, hash) decides, the
loser gets the duplicate answer. Needs PostgreSQL (SQLite serialises writers; CI runs it)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from identity.models import AddonUpload
from tests.uploads.support import payload, post


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_upl7_concurrent_duplicates_one_applied_the_other_answered_duplicate(secret):
    body = payload(export_time=1700000000)
    barrier = threading.Barrier(4)
    answers = []

    def send():
        try:
            barrier.wait()
            response = post(Client(), secret, body)
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [status for status, _ in answers] == [200] * 4
    assert sorted(answer["duplicate"] for _, answer in answers) == [False, True, True, True]
    assert len({answer["upload_id"] for _, answer in answers}) == 1
    assert AddonUpload.objects.count() == 1
